import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import type { Config } from '@matrixai/quic/native/types.js'
import { formatHostPort } from '../../address.js'
import { FieldError } from '../../errors/field-error.js'
import { RunError } from '../../errors/kinds.js'
import { normalizeFingerprint } from './certificate.js'
import { buildConfig, checkPacketSize, DEFAULT_TUNING, isLoopback, packetSizeFor } from './config.js'
import type { QuicConnection } from './connection.js'
import { QuicEndpoint } from './endpoint.js'

/** Options for a client QUIC connection. */
export interface QuicConnectOptions {
  host: string
  port: number
  /** Give up when the handshake has not completed within this many ms. */
  timeoutMs: number
  /** Expected SHA-256 fingerprint of the server's certificate; the connection fails on a mismatch. */
  fingerprint?: string
  /** Idle timeout of the connection (ms, default 30 000); keep-alive PINGs go out at a third of it. */
  idleTimeoutMs?: number
  /** Largest datagram to send (bytes, 1200-20480); default 20480 to a loopback address, 1452 elsewhere. */
  maxPacketSize?: number
}

// One connected socket per node carries every client connection of this thread to that node; it
// is closed when its last connection ends, so a finished client leaves no socket behind.
const endpoints = new Map<string, Promise<QuicEndpoint>>()
/**
 * Endpoints closing their socket (retiring once their last connection is gone, or closed by
 * closeClients): every closeClients() waits for all of them, whoever began the close.
 */
const closing = new Set<Promise<void>>()

/** Tracks a socket's close until it is done. */
function trackClose(done: Promise<void>): void {
  const settled = done.catch(() => undefined)
  closing.add(settled)
  void settled.finally(() => closing.delete(settled))
}
const configs = new Map<string, Config>()

function clientConfig(idleTimeoutMs: number, maxPacketSize: number): Config {
  const key = `${idleTimeoutMs}/${maxPacketSize}`
  let config = configs.get(key)
  if (config === undefined) {
    config = buildConfig({ ...DEFAULT_TUNING, idleTimeoutMs, maxPacketSize })
    configs.set(key, config)
  }
  return config
}

async function endpointFor(address: string, port: number, keepAliveMs: number): Promise<QuicEndpoint> {
  const family = isIP(address) === 6 ? 6 : 4
  // Loopback targets get a loopback-bound socket, so tests never open a port on other interfaces.
  const bindHost = isLoopback(address)
    ? family === 6
      ? '::1'
      : '127.0.0.1'
    : family === 6
      ? '::'
      : '0.0.0.0'
  const key = `${address}/${port}/${keepAliveMs}`
  let pending = endpoints.get(key)
  if (pending === undefined) {
    pending = QuicEndpoint.bind({ host: bindHost, port: 0, keepAliveMs, peer: { host: address, port } })
    endpoints.set(key, pending)
    pending.then(
      (endpoint) => {
        endpoint.onIdle = () => {
          if (endpoints.get(key) === pending) endpoints.delete(key)
          // retire, not kill: the last connection's CONNECTION_CLOSE may still be on its way out.
          trackClose(endpoint.retire())
        }
      },
      () => endpoints.delete(key),
    )
  }
  return pending
}

/** Checks connect options, naming the field, the value and the rule on a bad one. */
export function checkConnectOptions(options: QuicConnectOptions): void {
  if (typeof options.host !== 'string' || options.host.length === 0) {
    throw new FieldError('host', options.host, 'a non-empty string')
  }
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65_535) {
    throw new FieldError('port', options.port, 'an integer from 1 to 65535')
  }
  if (
    typeof options.timeoutMs !== 'number' ||
    !(options.timeoutMs > 0) ||
    !Number.isFinite(options.timeoutMs)
  ) {
    throw new FieldError('timeoutMs', options.timeoutMs, 'a positive number of milliseconds')
  }
  if (options.fingerprint !== undefined) normalizeFingerprint(options.fingerprint)
  checkPacketSize(options.maxPacketSize)
  if (
    options.idleTimeoutMs !== undefined &&
    !(Number.isInteger(options.idleTimeoutMs) && options.idleTimeoutMs > 0)
  ) {
    throw new FieldError('idleTimeoutMs', options.idleTimeoutMs, 'a positive integer of milliseconds')
  }
}

/** Opens a QUIC connection and resolves once the handshake is done (and the certificate matches the pin). */
export async function connectQuic(options: QuicConnectOptions): Promise<QuicConnection> {
  checkConnectOptions(options)
  const pin = options.fingerprint === undefined ? undefined : normalizeFingerprint(options.fingerprint)
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_TUNING.idleTimeoutMs
  const startedAt = performance.now()
  const remote = formatHostPort(options.host, options.port)
  const address = isIP(options.host) ? options.host : await resolve(options.host, remote)
  let endpoint = await endpointFor(address, options.port, Math.floor(idleTimeoutMs / 3))
  // The shared socket may have gone idle and closed while this call was waiting.
  if (endpoint.isClosed) endpoint = await endpointFor(address, options.port, Math.floor(idleTimeoutMs / 3))
  const conn = endpoint.connect(
    { host: address, port: options.port },
    clientConfig(idleTimeoutMs, options.maxPacketSize ?? packetSizeFor(address)),
    null,
  )
  const remainingMs = Math.max(1, options.timeoutMs - (performance.now() - startedAt))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      conn.kill(
        new RunError('connect_timeout', `QUIC connect to ${remote} timed out after ${options.timeoutMs} ms`),
      )
    }, remainingMs)
    conn.onClose((error) => {
      clearTimeout(timer)
      reject(
        error ??
          new RunError(
            'handshake_failed',
            `QUIC connect to ${remote} failed: the connection closed during the handshake`,
          ),
      )
    })
    conn.onEstablished(() => {
      clearTimeout(timer)
      if (pin !== undefined && conn.peerFingerprint !== pin) {
        conn.close(1, 'certificate fingerprint mismatch')
        reject(
          new RunError(
            'tls_fingerprint_mismatch',
            `QUIC connect to ${remote} refused: certificate fingerprint is ${conn.peerFingerprint}, expected ${pin}`,
          ),
        )
        return
      }
      resolve(conn)
    })
  })
}

/** The address of a host name; a failed lookup is an address_unresolved RunError naming the target. */
async function resolve(host: string, remote: string): Promise<string> {
  try {
    return (await lookup(host)).address
  } catch (error) {
    throw new RunError(
      'address_unresolved',
      `QUIC connect to ${remote} failed: the host name did not resolve (${(error as Error).message})`,
      { cause: error },
    )
  }
}

/**
 * Closes every client connection of this thread at once and releases their sockets, those of
 * endpoints still retiring or closed by an earlier call included: a worker thread terminated while one of its UDP sockets is
 * open can be brought down by a datagram arriving mid-termination (Node's UDPWrap::OnRecv aborts
 * the process), so a task returns only once every socket it opened is closed.
 */
export async function closeClients(): Promise<void> {
  const pending = [...endpoints.values()]
  endpoints.clear()
  for (const p of pending) {
    trackClose(
      p.then(
        (endpoint) => endpoint.close(0),
        () => undefined,
      ),
    )
  }
  await Promise.all([...closing])
}
