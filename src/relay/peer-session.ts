import { createHash } from 'node:crypto'
import { FrameDecoder, receiveFrames } from '../protocol/codec.js'
import { ErrorCode, encodeFrame, type Frame, FrameType } from '../protocol/frames.js'
import type { Link } from '../transport/types.js'
import { parseSegmentHeader, SEGMENT_CHUNK, type SegmentHeader, segmentChecksum } from './wire.js'

/** What a session asks of its peer: record a whole, verified segment (false when it had it already). */
export type RecordSegment = (header: SegmentHeader, data: Buffer) => void

/** Counters a peer keeps across its sessions. */
export interface PeerCounters {
  connections: number
  /** Segments recorded (a duplicate id is acknowledged but not counted). */
  recorded: number
  duplicates: number
  /** Transfers that ended before CLOSE: never recorded. */
  cut: number
  /** Transfers whose bytes did not match their header: answered with ERROR, never recorded. */
  rejected: number
}

/**
 * The peer's side of one connection: gathers a segment's frames and only on CLOSE, when size and
 * SHA-256 match the header, records it and acknowledges. Anything less is dropped unrecorded.
 */
export class PeerSession {
  private readonly decoder = new FrameDecoder(SEGMENT_CHUNK + 1024)
  private header: SegmentHeader | undefined
  private chunks: Buffer[] = []
  private received = 0
  private nextSequence = 0
  private opened = false
  private done = false

  constructor(
    private readonly link: Link,
    private readonly counters: PeerCounters,
    private readonly record: RecordSegment,
    private readonly isKnown: (id: string) => boolean,
    onGone: (session: PeerSession) => void,
  ) {
    link.onData((chunk) => receiveFrames(this.decoder, chunk, this))
    link.onClose(() => {
      if (this.opened && !this.done) this.counters.cut++
      onGone(this)
    })
  }

  /** Drop the connection as a crash would. */
  destroy(): void {
    this.link.destroy()
  }

  /** True once the segment was recorded or refused: later frames are ignored. */
  get ended(): boolean {
    return this.done
  }

  /** Acts on one decoded frame. */
  handle(frame: Frame): undefined {
    switch (frame.type) {
      case FrameType.OPEN:
        if (this.opened) return this.fail(ErrorCode.DUPLICATE_CHANNEL, 'one segment per connection')
        this.opened = true
        return
      case FrameType.DATA: {
        if (!this.opened) return this.fail(ErrorCode.UNKNOWN_CHANNEL, 'DATA before OPEN')
        if (frame.sequence !== this.nextSequence++)
          return this.fail(ErrorCode.OUT_OF_ORDER, 'DATA out of order')
        if (frame.sequence === 0) {
          this.header = parseSegmentHeader(frame.payload)
          if (!this.header) return this.fail(ErrorCode.MALFORMED, 'DATA 0 is not a segment header')
          return
        }
        const header = this.header as SegmentHeader
        this.received += frame.payload.length
        if (this.received > header.size) return this.reject(`more than the ${header.size} bytes announced`)
        this.chunks.push(frame.payload)
        return
      }
      case FrameType.CLOSE:
        return this.close(frame.totalBytes)
      case FrameType.PING:
        this.link.send(encodeFrame({ type: FrameType.PONG, channel: frame.channel, nonce: frame.nonce }))
        return
      default:
        return this.fail(ErrorCode.MALFORMED, `unexpected frame type ${frame.type}`)
    }
  }

  private close(totalBytes: number): undefined {
    const header = this.header
    if (!header) return this.fail(ErrorCode.MALFORMED, 'CLOSE before the segment header')
    const data = Buffer.concat(this.chunks, this.received)
    if (totalBytes !== header.size || data.length !== header.size) {
      return this.reject(`got ${data.length} bytes, the header announced ${header.size}`)
    }
    const sha256 = createHash('sha256').update(data).digest('hex')
    if (sha256 !== header.sha256)
      return this.reject(`sha256 ${sha256} differs from the header's ${header.sha256}`)
    this.done = true
    // A known id was recorded before (the relay lost our ACK): acknowledge it again, record it once.
    if (this.isKnown(header.id)) this.counters.duplicates++
    else this.record(header, data)
    this.link.send(
      encodeFrame({
        type: FrameType.CLOSE_ACK,
        channel: 1,
        totalBytes: data.length,
        checksum: segmentChecksum(data),
      }),
    )
  }

  private reject(reason: string): undefined {
    this.counters.rejected++
    this.fail(ErrorCode.MALFORMED, reason)
  }

  /** Answers with an ERROR frame and ends the connection; nothing is recorded. */
  fail(code: number, reason: string): undefined {
    this.done = true
    this.link.send(encodeFrame({ type: FrameType.ERROR, channel: 0, code, reason }))
    this.link.end()
  }
}
