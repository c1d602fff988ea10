import quiche from '@matrixai/quic/native/quiche.js'
import type { Config } from '@matrixai/quic/native/types.js'
import { FieldError } from '../../errors/field-error.js'
import { DATAGRAM_SIZE_RANGE } from '../link.js'

/** The ALPN both ends must agree on; a peer speaking anything else fails the handshake. */
export const ALPN = 'quicksand-fabric/1'

/** The only connection-id length quicksand issues; short headers are routed by these bytes. */
export const CID_LENGTH = 20

/** 1500-byte MTU minus IPv6 and UDP headers: fits every path, ~7 % faster than quiche's 1350 default. */
export const PATH_PACKET_SIZE = 1452

/**
 * Datagrams between two loopback addresses. The loopback interface's MTU is 64 KiB, so these
 * are never fragmented, and each costs one socket send and one quiche call for fourteen times
 * the bytes of a 1452-byte packet: a stream moves 3-5 x faster than with path-sized packets.
 * 20 KiB holds a whole default fabric frame (16 KiB of payload and its headers) in one
 * datagram; at 16 KiB each frame took two, and ACK latency under load was ~30 % higher.
 */
export const LOOPBACK_PACKET_SIZE = DATAGRAM_SIZE_RANGE.max

/** True for an address on the loopback interface (127.0.0.0/8, ::1, or 127.x mapped into IPv6). */
export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.')
}

/** The largest datagram quicksand sends to a peer at this address. */
export function packetSizeFor(address: string): number {
  return isLoopback(address) ? LOOPBACK_PACKET_SIZE : PATH_PACKET_SIZE
}

/** Checks a user's maxPacketSize: QUIC needs 1200 bytes, and no UDP payload exceeds LOOPBACK_PACKET_SIZE here. */
export function checkPacketSize(value: unknown): number | undefined {
  if (value === undefined) return undefined
  const { min, max } = DATAGRAM_SIZE_RANGE
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new FieldError('maxPacketSize', value, `an integer from ${min} to ${max} bytes`)
  }
  return value
}

// Signature algorithms BoringSSL implements (it lacks the rsa_pss_pss_* ones).
const SIGALGS = [
  'ecdsa_secp256r1_sha256',
  'ecdsa_secp384r1_sha384',
  'ecdsa_secp521r1_sha512',
  'ed25519',
  'rsa_pss_rsae_sha256',
  'rsa_pss_rsae_sha384',
  'rsa_pss_rsae_sha512',
  'rsa_pkcs1_sha256',
  'rsa_pkcs1_sha384',
  'rsa_pkcs1_sha512',
].join(':')

/** Transport parameters shared by listeners and clients. */
export interface QuicTuning {
  /** Close a connection after this long without a packet (ms). */
  idleTimeoutMs: number
  /** Bidirectional streams the peer may have open at once. */
  maxStreams: number
  /** Flow-control credit per stream and per connection (bytes). */
  streamWindow: number
  connectionWindow: number
  /** Largest UDP payload sent (bytes); see packetSizeFor(). */
  maxPacketSize: number
}

// quiche grants a stream's (and a connection's) initial credit once; when it is used up, the
// credit it re-advertises restarts from a 32 KiB window that only doubles once per round trip.
// Across a 40 ms path that stalled a fabric link for ~200 ms after its first 4 MiB. A fabric link
// is one stream per connection, so it gets nearly the whole connection's credit up front; a
// reader that pauses still holds the writer back, only after 16 MiB instead of 4.
export const DEFAULT_TUNING: QuicTuning = {
  idleTimeoutMs: 30_000,
  maxStreams: 1024,
  streamWindow: 16 * 1024 * 1024,
  connectionWindow: 32 * 1024 * 1024,
  maxPacketSize: PATH_PACKET_SIZE,
}

/** Builds a quiche Config; key and cert (PEM) make it a server config. */
export function buildConfig(tuning: QuicTuning, key?: string, cert?: string): Config {
  const encode = (pem: string) => new Uint8Array(Buffer.from(pem, 'utf8'))
  let config: Config
  try {
    config = quiche.Config.withBoringSslCtx(
      false, // peers are pinned by fingerprint, not verified against a CA
      false,
      null,
      key === undefined ? null : [encode(key)],
      cert === undefined ? null : [encode(cert)],
      SIGALGS,
    )
  } catch (error) {
    throw new Error(`key/cert were rejected by TLS: ${(error as Error).message}`)
  }
  config.grease(false)
  config.setApplicationProtos([ALPN])
  config.setMaxIdleTimeout(tuning.idleTimeoutMs)
  config.setMaxRecvUdpPayloadSize(65_527)
  config.setMaxSendUdpPayloadSize(tuning.maxPacketSize)
  config.setInitialMaxData(tuning.connectionWindow)
  config.setInitialMaxStreamDataBidiLocal(tuning.streamWindow)
  config.setInitialMaxStreamDataBidiRemote(tuning.streamWindow)
  config.setInitialMaxStreamDataUni(0)
  config.setInitialMaxStreamsBidi(tuning.maxStreams)
  config.setInitialMaxStreamsUni(0)
  config.setMaxStreamWindow(Math.max(tuning.streamWindow, quiche.MAX_STREAM_WINDOW))
  config.setMaxConnectionWindow(Math.max(tuning.connectionWindow, quiche.MAX_CONNECTION_WINDOW))
  config.setDisableActiveMigration(true)
  return config
}
