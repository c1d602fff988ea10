// The lead bytes each side sends first on a subflow (version + CID), read with a deadline.
import net from 'node:net'
import { formatHostPort } from '../address.js'
import { classifyError, RunError } from '../errors/kinds.js'
import { CID_LENGTH, encodeLead, LEAD_BYTES_LENGTH, MULTIPATH_VERSION } from './frames.js'

/** A subflow handshake not done within this long fails (the socket is closed). */
export const HANDSHAKE_TIMEOUT_MS = 1000

/** The all-zero CID a client's first subflow sends. */
export const ZERO_CID = new Uint8Array(CID_LENGTH)

/** A socket whose lead bytes were read: the version was right; `cid` is what the peer sent. */
export interface Handshaken {
  socket: net.Socket
  cid: Uint8Array
  /** Bytes that came after the lead bytes in the same read. */
  leftover: Buffer
}

/** Read the peer's lead bytes; rejects on a wrong version, an early close or the deadline. */
export function readLead(socket: net.Socket, timeoutMs: number, where: string): Promise<Handshaken> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0)
    const done = (error?: Error) => {
      clearTimeout(timer)
      socket.off('data', onData)
      socket.off('error', onError)
      socket.off('close', onClose)
      if (error) {
        socket.destroy()
        reject(error)
      }
    }
    const timer = setTimeout(
      () =>
        done(
          new RunError(
            'connect_timeout',
            `multipath handshake with ${where} timed out after ${timeoutMs} ms`,
          ),
        ),
      timeoutMs,
    )
    const onError = (error: Error) =>
      done(new RunError(classifyError(error), `multipath subflow to ${where} failed: ${error.message}`))
    const onClose = () =>
      done(new RunError('reset', `multipath subflow to ${where} closed during the handshake`))
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      if (buffered.length < LEAD_BYTES_LENGTH) return
      if (buffered[0] !== MULTIPATH_VERSION) {
        done(
          new RunError(
            'protocol_error',
            `multipath subflow to ${where} led with version ${buffered[0]}, expected ${MULTIPATH_VERSION}`,
          ),
        )
        return
      }
      done()
      // Paused so no byte after the lead bytes is lost before the subflow listens.
      socket.pause()
      resolve({
        socket,
        cid: new Uint8Array(buffered.subarray(1, LEAD_BYTES_LENGTH)),
        leftover: buffered.subarray(LEAD_BYTES_LENGTH),
      })
    }
    socket.on('data', onData)
    socket.on('error', onError)
    socket.on('close', onClose)
  })
}

/** Dial a path and exchange lead bytes carrying `cid`; resolves with the CID the server gave. */
export function dialSubflow(
  host: string,
  port: number,
  cid: Uint8Array,
  timeoutMs: number,
): Promise<Handshaken> {
  const where = formatHostPort(host, port)
  const socket = net.connect({ host, port, noDelay: true })
  socket.write(encodeLead(cid))
  return readLead(socket, timeoutMs, where).then((answer) => {
    const zero = cid.every((b) => b === 0)
    if (!zero && !Buffer.from(answer.cid).equals(Buffer.from(cid))) {
      answer.socket.destroy()
      throw new RunError('protocol_error', `multipath server at ${where} answered with another connection ID`)
    }
    if (zero && answer.cid.every((b) => b === 0)) {
      answer.socket.destroy()
      throw new RunError('protocol_error', `multipath server at ${where} assigned the all-zero connection ID`)
    }
    return answer
  })
}
