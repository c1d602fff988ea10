import { FrameDecoder, receiveFrames } from '../protocol/codec.js'
import { ErrorCode, encodeFrame, type Frame, FrameType, type TrafficClassName } from '../protocol/frames.js'
import { checksum, foldChecksum, payloadChecksum, streamPayload } from '../protocol/payload.js'
import type { Link } from '../transport/types.js'

/** Counters a node keeps; the session adds to them as frames pass. */
export interface NodeCounters {
  connections: number
  channelsOpened: number
  channelsClosed: number
  channelsActive: number
  bytes: number
  frames: number
  acks: number
  protocolErrors: number
  contentErrors: number
  pings: number
}

/** A node's counters before any connection. */
export function zeroNodeCounters(): NodeCounters {
  return {
    connections: 0,
    channelsOpened: 0,
    channelsClosed: 0,
    channelsActive: 0,
    bytes: 0,
    frames: 0,
    acks: 0,
    protocolErrors: 0,
    contentErrors: 0,
    pings: 0,
  }
}

interface Channel {
  stream: number
  trafficClass: TrafficClassName
  /** Offset in the logical stream of the next byte expected. */
  offset: number
  nextSequence: number
  bytes: number
  checksum: number
}

/**
 * The node's side of one connection: decodes frames, keeps each logical channel's state,
 * verifies every payload against the stream's deterministic bytes and acknowledges it.
 */
export class NodeSession {
  private readonly channels = new Map<number, Channel>()
  private readonly decoder: FrameDecoder
  private failed = false
  private lingerTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly link: Link,
    private readonly counters: NodeCounters,
    maxPayload: number,
    private readonly verifyContent: boolean,
    onGone: (session: NodeSession) => void,
  ) {
    // Payloads are checked and acknowledged as they are decoded, so the decoder may reuse its buffer.
    this.decoder = new FrameDecoder(maxPayload, true)
    link.onData((chunk) => receiveFrames(this.decoder, chunk, this))
    link.onClose(() => {
      clearTimeout(this.lingerTimer)
      this.dropChannels()
      onGone(this)
    })
  }

  /** Close gracefully: the peer sees an orderly end of the connection. */
  end(): void {
    this.link.end()
  }

  /** Drop the connection as a crash would. */
  destroy(): void {
    this.link.destroy()
  }

  /** True once the session answered malformed input: later frames are ignored. */
  get ended(): boolean {
    return this.failed
  }

  /** Acts on one decoded frame. */
  handle(frame: Frame): void {
    const counters = this.counters
    counters.frames++
    switch (frame.type) {
      case FrameType.OPEN: {
        if (this.channels.has(frame.channel)) {
          this.fail(ErrorCode.DUPLICATE_CHANNEL, `channel ${frame.channel} is already open`)
          return
        }
        this.channels.set(frame.channel, {
          stream: frame.stream,
          trafficClass: frame.trafficClass,
          offset: frame.resumeOffset,
          nextSequence: 1,
          bytes: 0,
          checksum: 0,
        })
        counters.channelsOpened++
        counters.channelsActive++
        // Sequence 0 acknowledges the OPEN itself, so the client can time channel setup.
        this.link.send(encodeFrame({ type: FrameType.ACK, channel: frame.channel, sequence: 0, checksum: 0 }))
        return
      }
      case FrameType.DATA: {
        const channel = this.channels.get(frame.channel)
        if (!channel) {
          this.fail(ErrorCode.UNKNOWN_CHANNEL, `DATA on channel ${frame.channel}, which is not open`)
          return
        }
        if (frame.sequence !== channel.nextSequence) {
          this.fail(
            ErrorCode.OUT_OF_ORDER,
            `channel ${frame.channel} expected sequence ${channel.nextSequence}, got ${frame.sequence}`,
          )
          return
        }
        const payload = frame.payload
        let sum: number
        if (this.verifyContent) {
          const expected = streamPayload(channel.stream, channel.offset, payload.length)
          if (payload.equals(expected)) {
            // The bytes are the stream's own, so their checksum is the (remembered) one of those.
            sum = payloadChecksum(channel.stream, channel.offset, expected)
          } else {
            counters.contentErrors++
            sum = checksum(payload)
          }
        } else {
          sum = checksum(payload)
        }
        channel.nextSequence++
        channel.offset += payload.length
        channel.bytes += payload.length
        channel.checksum = foldChecksum(channel.checksum, sum)
        counters.bytes += payload.length
        counters.acks++
        this.link.send(
          encodeFrame({
            type: FrameType.ACK,
            channel: frame.channel,
            sequence: frame.sequence,
            checksum: sum,
          }),
        )
        return
      }
      case FrameType.CLOSE: {
        const channel = this.channels.get(frame.channel)
        if (!channel) {
          this.fail(ErrorCode.UNKNOWN_CHANNEL, `CLOSE on channel ${frame.channel}, which is not open`)
          return
        }
        this.channels.delete(frame.channel)
        counters.channelsClosed++
        counters.channelsActive--
        this.link.send(
          encodeFrame({
            type: FrameType.CLOSE_ACK,
            channel: frame.channel,
            totalBytes: channel.bytes,
            checksum: channel.checksum,
          }),
        )
        return
      }
      case FrameType.PING:
        counters.pings++
        this.link.send(encodeFrame({ type: FrameType.PONG, channel: frame.channel, nonce: frame.nonce }))
        return
      case FrameType.ERROR: {
        // The client gave up on a channel (an ACK timed out): forget it.
        if (this.channels.delete(frame.channel)) {
          counters.channelsClosed++
          counters.channelsActive--
        }
        return
      }
      default:
        this.fail(ErrorCode.MALFORMED, `frame type ${frame.type} is not sent to a node`)
    }
  }

  /** Answer malformed input with an ERROR frame and close this connection only. */
  fail(code: number, reason: string): void {
    this.failed = true
    this.counters.protocolErrors++
    this.link.send(encodeFrame({ type: FrameType.ERROR, channel: 0, code, reason }))
    this.link.end()
    // A peer that keeps the connection half-open must not pin it.
    this.lingerTimer = setTimeout(() => this.link.destroy(), 1000)
  }

  private dropChannels(): void {
    const open = this.channels.size
    if (open === 0) return
    this.channels.clear()
    this.counters.channelsClosed += open
    this.counters.channelsActive -= open
  }
}
