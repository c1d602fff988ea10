// The multipath wire format (docs/protocol.md, "Multipath"): lead bytes on every subflow, then
// data and ack frames. Varints are QUIC's, shared with the fabric protocol.
import { readVarint, varintSize, writeVarint } from '../protocol/varint.js'

/** The only version spoken; a subflow leading with another is closed. */
export const MULTIPATH_VERSION = 0
/** Bytes of a connection ID. */
export const CID_LENGTH = 16
/** Version byte plus CID: what each side sends first on a subflow. */
export const LEAD_BYTES_LENGTH = 1 + CID_LENGTH
/** Frame numbers below this are control codes carried in ack frames. */
export const MIN_FRAME_NUMBER = 10
/** Largest data payload a frame may carry (the reference's limit). */
export const MAX_FRAME_PAYLOAD = 1024 * 1024
/** Control codes: an ack frame whose number is one of these. */
export const CONTROL = { ping: 0, pong: 1, fin: 2 } as const

/** One decoded frame. `fin` is quicksand's end-of-stream mark: the sender's next frame number. */
export type MultipathFrame =
  | { type: 'data'; fn: number; payload: Buffer }
  | { type: 'ack'; fn: number }
  | { type: 'ping' }
  | { type: 'pong' }
  | { type: 'fin'; next: number }

/** The peer broke the multipath protocol; the connection cannot go on. */
export class MultipathProtocolError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'MultipathProtocolError'
  }
}

/** Lead bytes: version, then the CID (all zero on a client's first subflow). */
export function encodeLead(cid: Uint8Array): Buffer {
  const lead = Buffer.alloc(LEAD_BYTES_LENGTH)
  lead[0] = MULTIPATH_VERSION
  lead.set(cid, 1)
  return lead
}

/** The header of a data frame (size, number); the payload follows it on the wire. */
export function encodeDataHeader(fn: number, size: number): Buffer {
  if (size < 1 || size > MAX_FRAME_PAYLOAD) {
    throw new RangeError(`a data frame carries 1 to ${MAX_FRAME_PAYLOAD} bytes, got ${size}`)
  }
  if (fn < MIN_FRAME_NUMBER)
    throw new RangeError(`data frame numbers start at ${MIN_FRAME_NUMBER}, got ${fn}`)
  const header = Buffer.alloc(varintSize(size) + varintSize(fn))
  writeVarint(header, writeVarint(header, 0, size), fn)
  return header
}

/** An ack frame: 0x00 then the frame number (or a control code). */
export function encodeAck(fn: number): Buffer {
  const frame = Buffer.alloc(1 + varintSize(fn))
  writeVarint(frame, 1, fn)
  return frame
}

/** The end-of-stream mark: ack code 2, then the next frame number the sender would have used. */
export function encodeFin(next: number): Buffer {
  const frame = Buffer.alloc(2 + varintSize(next))
  frame[1] = CONTROL.fin
  writeVarint(frame, 2, next)
  return frame
}

/** Incremental decoder of one subflow's frames (after its lead bytes). */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0)

  /** Append received bytes; returns every frame now complete. Throws MultipathProtocolError. */
  push(chunk: Buffer): MultipathFrame[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
    const frames: MultipathFrame[] = []
    let offset = 0
    for (;;) {
      const frame = this.next(offset)
      if (frame === null) break
      frames.push(frame.frame)
      offset = frame.next
    }
    this.buffer = offset === this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(offset)
    return frames
  }

  private next(offset: number): { frame: MultipathFrame; next: number } | null {
    const buf = this.buffer
    const size = readVarint(buf, offset)
    if (size === null) return null
    if (size.value > MAX_FRAME_PAYLOAD) {
      throw new MultipathProtocolError(
        `data frame of ${size.value} bytes is over the ${MAX_FRAME_PAYLOAD}-byte limit`,
      )
    }
    const number = readVarint(buf, size.next)
    if (number === null) return null
    if (size.value === 0) {
      const fn = number.value
      if (fn === CONTROL.ping) return { frame: { type: 'ping' }, next: number.next }
      if (fn === CONTROL.pong) return { frame: { type: 'pong' }, next: number.next }
      if (fn === CONTROL.fin) {
        const next = readVarint(buf, number.next)
        if (next === null) return null
        return { frame: { type: 'fin', next: next.value }, next: next.next }
      }
      if (fn < MIN_FRAME_NUMBER) throw new MultipathProtocolError(`unknown control code ${fn}`)
      return { frame: { type: 'ack', fn }, next: number.next }
    }
    if (number.value < MIN_FRAME_NUMBER) {
      throw new MultipathProtocolError(`data frame number ${number.value} is below ${MIN_FRAME_NUMBER}`)
    }
    const end = number.next + size.value
    if (end > buf.length) return null
    // A copy, so the payload does not pin the whole receive buffer while it waits to be reordered.
    const payload = Buffer.from(buf.subarray(number.next, end))
    return { frame: { type: 'data', fn: number.value, payload }, next: end }
  }
}
