import {
  DEFAULT_MAX_PAYLOAD,
  ErrorCode,
  FRAME_BODY_OVERHEAD,
  type Frame,
  FrameType,
  HARD_MAX_PAYLOAD,
  type TrafficClassName,
} from './frames.js'
import { readVarint } from './varint.js'

/** Why a byte stream could not be decoded; carries the ERROR frame code to answer with. */
export class ProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message)
    this.name = 'ProtocolError'
  }
}

const REASON_LIMIT = 1024

/**
 * Streaming frame decoder: feed it chunks as they arrive, get whole frames back.
 * It never buffers more than one frame's header plus body, and the body is bounded by
 * maxPayload (itself capped at HARD_MAX_PAYLOAD), so hostile input cannot make it allocate more.
 */
export class FrameDecoder {
  private chunks: Buffer[] = []
  private buffered = 0
  private readonly maxBody: number
  /** Reused for frames that straddle chunks, when the caller lets go of payloads before the next push. */
  private scratch: Buffer | undefined

  /**
   * `reusePayloads`: frames a push returns may share one buffer with those of the next push, so
   * their payloads are valid only until then. A node that checks each payload at once avoids a
   * fresh 64 KiB allocation for every frame that spans two socket reads.
   */
  constructor(
    maxPayload = DEFAULT_MAX_PAYLOAD,
    private readonly reusePayloads = false,
  ) {
    if (!Number.isInteger(maxPayload) || maxPayload < 1 || maxPayload > HARD_MAX_PAYLOAD) {
      throw new RangeError(`maxPayload must be an integer from 1 to ${HARD_MAX_PAYLOAD}, got ${maxPayload}`)
    }
    this.maxBody = maxPayload + FRAME_BODY_OVERHEAD
  }

  /** Bytes held waiting for the rest of a frame. */
  get pendingBytes(): number {
    return this.buffered
  }

  /** Add bytes and return every frame they complete. Throws ProtocolError on malformed input. */
  push(chunk: Buffer): Frame[] {
    if (chunk.length === 0) return []
    this.chunks.push(chunk)
    this.buffered += chunk.length
    const frames: Frame[] = []
    for (;;) {
      const frame = this.nextChecked()
      if (!frame) return frames
      frames.push(frame)
    }
  }

  private nextChecked(): Frame | null {
    try {
      return this.next()
    } catch (error) {
      if (error instanceof ProtocolError) throw error
      throw new ProtocolError(ErrorCode.MALFORMED, (error as Error).message)
    }
  }

  private next(): Frame | null {
    if (this.buffered === 0) return null
    // A header is at most 3 varints of 8 bytes; gather that much into the first chunk.
    const head = this.gather(Math.min(24, this.buffered))
    const type = readVarint(head, 0)
    if (!type) return null
    const channel = readVarint(head, type.next)
    if (!channel) return null
    const length = readVarint(head, channel.next)
    if (!length) return null
    if (length.value > this.maxBody) {
      throw new ProtocolError(
        ErrorCode.FRAME_TOO_LARGE,
        `frame body of ${length.value} bytes exceeds the limit of ${this.maxBody}`,
      )
    }
    if (type.value < FrameType.OPEN || type.value > FrameType.ERROR) {
      throw new ProtocolError(ErrorCode.MALFORMED, `unknown frame type ${type.value}`)
    }
    const total = length.next + length.value
    if (this.buffered < total) return null
    const bytes = this.take(total)
    return decodeBody(type.value, channel.value, bytes.subarray(length.next))
  }

  /** Make the first chunk hold at least n bytes (copying only when a header straddles chunks). */
  private gather(n: number): Buffer {
    const first = this.chunks[0]!
    if (first.length >= n) return first
    let count = 1
    let size = first.length
    while (size < n) size += this.chunks[count++]!.length
    const merged = Buffer.concat(this.chunks.slice(0, count), size)
    this.chunks.splice(0, count, merged)
    return merged
  }

  /** Remove and return the next n bytes; zero-copy when they sit in one chunk. */
  private take(n: number): Buffer {
    this.buffered -= n
    const first = this.chunks[0]!
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift()
      else this.chunks[0] = first.subarray(n)
      return first.subarray(0, n)
    }
    // Within one push only the first frame can span chunks (later ones lie in the new chunk),
    // so one scratch buffer is never handed out twice by the same push.
    let out: Buffer
    if (this.reusePayloads) {
      if (!this.scratch || this.scratch.length < n)
        this.scratch = Buffer.allocUnsafe(Math.max(n, 64 * 1024 + 64))
      out = this.scratch.subarray(0, n)
    } else {
      out = Buffer.allocUnsafe(n)
    }
    let at = 0
    while (at < n) {
      const chunk = this.chunks[0]!
      const want = n - at
      if (chunk.length <= want) {
        chunk.copy(out, at)
        at += chunk.length
        this.chunks.shift()
      } else {
        chunk.copy(out, at, 0, want)
        this.chunks[0] = chunk.subarray(want)
        at += want
      }
    }
    return out
  }
}

function need(read: ReturnType<typeof readVarint>, what: string): { value: number; next: number } {
  if (!read) throw new ProtocolError(ErrorCode.MALFORMED, `truncated ${what}`)
  return read
}

function decodeBody(type: number, channel: number, body: Buffer): Frame {
  try {
    return decodeFields(type, channel, body)
  } catch (error) {
    if (error instanceof ProtocolError) throw error
    throw new ProtocolError(ErrorCode.MALFORMED, (error as Error).message)
  }
}

function decodeFields(type: number, channel: number, body: Buffer): Frame {
  const end = body.length
  switch (type) {
    case FrameType.OPEN: {
      const stream = need(readVarint(body, 0, end), 'OPEN stream id')
      const cls = need(readVarint(body, stream.next, end), 'OPEN traffic class')
      const resume = need(readVarint(body, cls.next, end), 'OPEN resume offset')
      if (cls.value > 1) throw new ProtocolError(ErrorCode.MALFORMED, `unknown traffic class ${cls.value}`)
      exact(resume.next, end, 'OPEN')
      const trafficClass: TrafficClassName = cls.value === 0 ? 'control' : 'bulk'
      return { type, channel, stream: stream.value, trafficClass, resumeOffset: resume.value }
    }
    case FrameType.DATA: {
      const seq = need(readVarint(body, 0, end), 'DATA sequence')
      return { type, channel, sequence: seq.value, payload: body.subarray(seq.next) }
    }
    case FrameType.ACK: {
      const seq = need(readVarint(body, 0, end), 'ACK sequence')
      exact(seq.next + 4, end, 'ACK')
      return { type, channel, sequence: seq.value, checksum: body.readUInt32BE(seq.next) }
    }
    case FrameType.CLOSE: {
      const total = need(readVarint(body, 0, end), 'CLOSE total bytes')
      exact(total.next, end, 'CLOSE')
      return { type, channel, totalBytes: total.value }
    }
    case FrameType.CLOSE_ACK: {
      const total = need(readVarint(body, 0, end), 'CLOSE_ACK total bytes')
      exact(total.next + 4, end, 'CLOSE_ACK')
      return { type, channel, totalBytes: total.value, checksum: body.readUInt32BE(total.next) }
    }
    case FrameType.PING:
    case FrameType.PONG: {
      const nonce = need(readVarint(body, 0, end), 'PING nonce')
      exact(nonce.next, end, 'PING')
      return { type, channel, nonce: nonce.value }
    }
    default: {
      const code = need(readVarint(body, 0, end), 'ERROR code')
      const len = need(readVarint(body, code.next, end), 'ERROR reason length')
      if (len.value > REASON_LIMIT) throw new ProtocolError(ErrorCode.MALFORMED, 'ERROR reason too long')
      exact(len.next + len.value, end, 'ERROR')
      const reason = body.toString('utf8', len.next, len.next + len.value)
      return { type: FrameType.ERROR, channel, code: code.value, reason }
    }
  }
}

function exact(consumed: number, end: number, what: string): void {
  if (consumed !== end) {
    throw new ProtocolError(
      ErrorCode.MALFORMED,
      `${what} frame body is ${end} bytes, fields need ${consumed}`,
    )
  }
}

/** A session that takes decoded frames until it ends: a node's or a peer's side of a connection. */
export interface FrameReceiver {
  /** True once the session failed or finished: later frames are ignored. */
  readonly ended: boolean
  handle(frame: Frame): void
  /** Answers a byte stream that could not be decoded. */
  fail(code: number, reason: string): void
}

/** Decodes a chunk and hands its frames to `receiver` until it ends; undecodable bytes fail it. */
export function receiveFrames(decoder: FrameDecoder, chunk: Buffer, receiver: FrameReceiver): void {
  if (receiver.ended) return
  let frames: Frame[]
  try {
    frames = decoder.push(chunk)
  } catch (error) {
    receiver.fail(error instanceof ProtocolError ? error.code : ErrorCode.INTERNAL, (error as Error).message)
    return
  }
  for (const frame of frames) {
    if (receiver.ended) return
    receiver.handle(frame)
  }
}
