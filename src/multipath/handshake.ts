// The lead bytes each side sends first on a subflow (version + CID), read with a deadline, and
// the dial of one path over TCP or QUIC.
import net from 'node:net'
import { formatHostPort } from '../address.js'
import { classifyError, RunError } from '../errors/kinds.js'
import { connectQuic } from '../transport/quic/client.js'
import { CID_LENGTH, encodeLead, LEAD_BYTES_LENGTH, MULTIPATH_VERSION } from './frames.js'
import { quicWire, type SubflowWire, tcpWire } from './wire.js'

/** A subflow handshake not done within this long fails (the pipe is closed). */
export const HANDSHAKE_TIMEOUT_MS = 1000

/** The all-zero CID a client's first subflow sends. */
export const ZERO_CID = new Uint8Array(CID_LENGTH)

/** A pipe whose lead bytes were read: the version was right; `cid` is what the peer sent. */
export interface Handshaken {
  wire: SubflowWire
  cid: Uint8Array
  /** Bytes that came after the lead bytes in the same read. */
  leftover: Buffer
}

/** One path as the dialer sees it. */
export interface DialPath {
  transport: 'tcp' | 'quic'
  host: string
  port: number
  /** SHA-256 of the certificate a QUIC path must present (hex); unpinned when undefined. */
  fingerprint?: string | undefined
}

/** Read the peer's lead bytes; rejects on a wrong version, an early close or the deadline. */
export function readLead(wire: SubflowWire, timeoutMs: number, where: string): Promise<Handshaken> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0)
    let settled = false
    const fail = (error: Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      wire.route(undefined)
      wire.destroy()
      reject(error)
    }
    const timer = setTimeout(
      () =>
        fail(
          new RunError(
            'connect_timeout',
            `multipath handshake with ${where} timed out after ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    )
    wire.route({
      close: (reason, error) =>
        fail(
          error
            ? new RunError(classifyError(error), `multipath subflow to ${where} failed: ${reason}`)
            : new RunError('reset', `multipath subflow to ${where} closed during the handshake`),
        ),
      data: (chunk) => {
        if (settled) return
        buffered = Buffer.concat([buffered, chunk])
        if (buffered.length < LEAD_BYTES_LENGTH) return
        if (buffered[0] !== MULTIPATH_VERSION) {
          fail(
            new RunError(
              'protocol_error',
              `multipath subflow to ${where} led with version ${buffered[0]}, expected ${MULTIPATH_VERSION}`,
            ),
          )
          return
        }
        settled = true
        clearTimeout(timer)
        // Held so no byte after the lead bytes is lost before the subflow routes them.
        wire.route(undefined)
        resolve({
          wire,
          cid: new Uint8Array(buffered.subarray(1, LEAD_BYTES_LENGTH)),
          leftover: buffered.subarray(LEAD_BYTES_LENGTH),
        })
      },
    })
  })
}

/** Open the pipe of one path: a TCP connection, or a QUIC connection (pinned) and its stream. */
async function openWire(path: DialPath, timeoutMs: number): Promise<SubflowWire> {
  if (path.transport === 'tcp')
    return tcpWire(net.connect({ host: path.host, port: path.port, noDelay: true }))
  const conn = await connectQuic({
    host: path.host,
    port: path.port,
    timeoutMs,
    ...(path.fingerprint === undefined ? {} : { fingerprint: path.fingerprint }),
  })
  try {
    return quicWire(conn, conn.openStream())
  } catch (error) {
    conn.close(1, 'subflow not opened')
    throw error
  }
}

/** Dial a path and exchange lead bytes carrying `cid`; resolves with the CID the server gave. */
export async function dialSubflow(path: DialPath, cid: Uint8Array, timeoutMs: number): Promise<Handshaken> {
  const hostPort = formatHostPort(path.host, path.port)
  const where = path.transport === 'quic' ? `quic://${hostPort}` : hostPort
  const startedAt = performance.now()
  const wire = await openWire(path, timeoutMs)
  // The client speaks first (over QUIC the server learns of the stream only from its bytes).
  wire.write(encodeLead(cid))
  // One deadline for the whole handshake, the QUIC handshake included.
  const remainingMs = Math.max(1, Math.round(timeoutMs - (performance.now() - startedAt)))
  const answer = await readLead(wire, remainingMs, where)
  const zero = cid.every((b) => b === 0)
  if (!zero && !Buffer.from(answer.cid).equals(Buffer.from(cid))) {
    wire.destroy()
    throw new RunError('protocol_error', `multipath server at ${where} answered with another connection ID`)
  }
  if (zero && answer.cid.every((b) => b === 0)) {
    wire.destroy()
    throw new RunError('protocol_error', `multipath server at ${where} assigned the all-zero connection ID`)
  }
  return answer
}
