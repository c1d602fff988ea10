import type { Config } from '@matrixai/quic/native/types.js'
import { parseHost } from '../../address.js'
import { FieldError } from '../../errors/field-error.js'
import type { Listener } from '../link.js'
import { fingerprintOfPem, generateCertificate } from './certificate.js'
import {
  buildConfig,
  checkPacketSize,
  DEFAULT_TUNING,
  LOOPBACK_PACKET_SIZE,
  PATH_PACKET_SIZE,
  packetSizeFor,
} from './config.js'
import type { QuicConnection } from './connection.js'
import { type EndpointStats, QuicEndpoint } from './endpoint.js'

/** Options of a QUIC listener; only host and port are required. */
export interface QuicListenOptions {
  host: string
  /** UDP port; 0 picks a free one. */
  port: number
  /** PEM private key and certificate; both or neither (then a self-signed one is generated). */
  key?: string
  cert?: string
  /** Idle timeout of each connection (ms, default 30 000); keep-alive PINGs go out at a third of it. */
  idleTimeoutMs?: number
  /** Handshakes allowed in flight at once; further Initial packets are ignored (default 1024). */
  maxPendingHandshakes?: number
  /** A handshake not done by then is dropped (ms, default 10 000). */
  handshakeTimeoutMs?: number
  /**
   * Largest datagram to send (bytes, 1200-20480); default 20480 to loopback peers, 1452 to others.
   * When set, it is also advertised as the largest datagram the listener takes, so clients keep to it.
   */
  maxPacketSize?: number
  /** How long close() waits for peers to finish their streams (ms, default 1000). */
  closeGraceMs?: number
}

/** A bound QUIC listener: the Listener contract plus the certificate fingerprint clients pin. */
export interface QuicListener extends Listener {
  /** SHA-256 of the listener's certificate, lowercase hex. */
  readonly fingerprint: string
  /** The PEM certificate the listener presents. */
  readonly cert: string
  stats(): EndpointStats
}

function positiveInteger(
  options: QuicListenOptions,
  field: keyof QuicListenOptions,
  fallback: number,
): number {
  const value = options[field]
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new FieldError(field, value, 'a positive integer')
  }
  return value
}

/** Binds a QUIC listener; onConnection gets every connection whose handshake completed. */
export async function listenQuic(
  options: QuicListenOptions,
  onConnection: (conn: QuicConnection) => void,
): Promise<QuicListener> {
  const host = parseHost(options.host, 'host')
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535) {
    throw new FieldError('port', options.port, 'an integer from 0 to 65535')
  }
  const idleTimeoutMs = positiveInteger(options, 'idleTimeoutMs', DEFAULT_TUNING.idleTimeoutMs)
  const maxPendingHandshakes = positiveInteger(options, 'maxPendingHandshakes', 1024)
  const handshakeTimeoutMs = positiveInteger(options, 'handshakeTimeoutMs', 10_000)
  const closeGraceMs = positiveInteger(options, 'closeGraceMs', 1000)
  const fixedSize = checkPacketSize(options.maxPacketSize)
  const { key, cert } = options
  if ((key === undefined) !== (cert === undefined)) {
    throw new FieldError(
      key === undefined ? 'key' : 'cert',
      undefined,
      'given together with the other (key and cert)',
      `key and cert must be given together, got ${key === undefined ? 'cert without key' : 'key without cert'}`,
    )
  }
  if (key !== undefined && typeof key !== 'string')
    throw new FieldError('key', typeof key, 'a PEM string', `key must be a PEM string, got ${typeof key}`)
  if (cert !== undefined && typeof cert !== 'string')
    throw new FieldError('cert', typeof cert, 'a PEM string', `cert must be a PEM string, got ${typeof cert}`)
  const identity =
    key !== undefined && cert !== undefined
      ? { key, cert, fingerprint: fingerprintOfPem(cert) }
      : generateCertificate()
  // One config per datagram size a client can get, built before binding so bad TLS input fails
  // here; each client's is chosen by its address.
  const sizes = fixedSize !== undefined ? [fixedSize] : [PATH_PACKET_SIZE, LOOPBACK_PACKET_SIZE]
  const configs = new Map<number, Config>()
  for (const maxPacketSize of sizes) {
    const config = buildConfig(
      { ...DEFAULT_TUNING, idleTimeoutMs, maxPacketSize },
      identity.key,
      identity.cert,
    )
    // A size the user set stands for the path's MTU, which limits both directions: advertising
    // it as max_udp_payload_size makes clients keep their datagrams to it as well.
    if (fixedSize !== undefined) config.setMaxRecvUdpPayloadSize(fixedSize)
    configs.set(maxPacketSize, config)
  }
  const configFor = (address: string): Config => configs.get(fixedSize ?? packetSizeFor(address))!
  const endpoint = await QuicEndpoint.bind({
    host,
    port: options.port,
    keepAliveMs: Math.floor(idleTimeoutMs / 3),
    accept: {
      configFor,
      onConnection,
      maxPendingHandshakes,
      handshakeTimeoutMs,
    },
  })
  return {
    host: endpoint.host,
    port: endpoint.port,
    fingerprint: identity.fingerprint,
    cert: identity.cert,
    stats: () => ({ ...endpoint.stats() }),
    close: () => endpoint.close(closeGraceMs),
    kill: () => endpoint.kill(),
  }
}
