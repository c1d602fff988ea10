import { varintSize, writeVarint } from './varint.js'

/** Frame type codes on the wire. */
export const FrameType = {
  OPEN: 0x01,
  DATA: 0x02,
  ACK: 0x03,
  CLOSE: 0x04,
  CLOSE_ACK: 0x05,
  PING: 0x06,
  PONG: 0x07,
  ERROR: 0x08,
} as const

/** Traffic class of a logical channel. */
export const TrafficClass = { control: 0, bulk: 1 } as const
export type TrafficClassName = keyof typeof TrafficClass

/** ERROR frame codes. */
export const ErrorCode = {
  MALFORMED: 1,
  FRAME_TOO_LARGE: 2,
  UNKNOWN_CHANNEL: 3,
  DUPLICATE_CHANNEL: 4,
  OUT_OF_ORDER: 5,
  INTERNAL: 6,
} as const

/** Default largest DATA payload a peer accepts. */
export const DEFAULT_MAX_PAYLOAD = 64 * 1024
/** No configuration may raise the payload limit above this. */
export const HARD_MAX_PAYLOAD = 1024 * 1024
/** Room for a DATA frame's sequence number on top of its payload. */
export const FRAME_BODY_OVERHEAD = 8

export type Frame =
  | {
      type: typeof FrameType.OPEN
      channel: number
      stream: number
      trafficClass: TrafficClassName
      resumeOffset: number
    }
  | { type: typeof FrameType.DATA; channel: number; sequence: number; payload: Buffer }
  | { type: typeof FrameType.ACK; channel: number; sequence: number; checksum: number }
  | { type: typeof FrameType.CLOSE; channel: number; totalBytes: number }
  | { type: typeof FrameType.CLOSE_ACK; channel: number; totalBytes: number; checksum: number }
  | { type: typeof FrameType.PING; channel: number; nonce: number }
  | { type: typeof FrameType.PONG; channel: number; nonce: number }
  | { type: typeof FrameType.ERROR; channel: number; code: number; reason: string }

/** Encode the header (type, channel, body length) into a fresh buffer with `room` bytes after it. */
function frameBuffer(
  type: number,
  channel: number,
  bodyLength: number,
  room = bodyLength,
): { buf: Buffer; at: number } {
  const headerSize = varintSize(type) + varintSize(channel) + varintSize(bodyLength)
  const buf = Buffer.allocUnsafe(headerSize + room)
  let at = writeVarint(buf, 0, type)
  at = writeVarint(buf, at, channel)
  at = writeVarint(buf, at, bodyLength)
  return { buf, at }
}

/** Encode any frame to its wire bytes. */
export function encodeFrame(frame: Frame): Buffer {
  switch (frame.type) {
    case FrameType.OPEN: {
      const cls = TrafficClass[frame.trafficClass]
      const len = varintSize(frame.stream) + 1 + varintSize(frame.resumeOffset)
      const { buf, at } = frameBuffer(frame.type, frame.channel, len)
      writeVarint(buf, writeVarint(buf, writeVarint(buf, at, frame.stream), cls), frame.resumeOffset)
      return buf
    }
    case FrameType.DATA:
      return encodeData(frame.channel, frame.sequence, frame.payload)
    case FrameType.ACK: {
      const { buf, at } = frameBuffer(frame.type, frame.channel, varintSize(frame.sequence) + 4)
      buf.writeUInt32BE(frame.checksum >>> 0, writeVarint(buf, at, frame.sequence))
      return buf
    }
    case FrameType.CLOSE: {
      const { buf, at } = frameBuffer(frame.type, frame.channel, varintSize(frame.totalBytes))
      writeVarint(buf, at, frame.totalBytes)
      return buf
    }
    case FrameType.CLOSE_ACK: {
      const { buf, at } = frameBuffer(frame.type, frame.channel, varintSize(frame.totalBytes) + 4)
      buf.writeUInt32BE(frame.checksum >>> 0, writeVarint(buf, at, frame.totalBytes))
      return buf
    }
    case FrameType.PING:
    case FrameType.PONG: {
      const { buf, at } = frameBuffer(frame.type, frame.channel, varintSize(frame.nonce))
      writeVarint(buf, at, frame.nonce)
      return buf
    }
    case FrameType.ERROR: {
      const reason = Buffer.from(frame.reason, 'utf8').subarray(0, 1024)
      const len = varintSize(frame.code) + varintSize(reason.length) + reason.length
      const { buf, at } = frameBuffer(frame.type, frame.channel, len)
      reason.copy(buf, writeVarint(buf, writeVarint(buf, at, frame.code), reason.length))
      return buf
    }
  }
}

/** Encode a DATA frame; the payload is copied once into the frame. */
export function encodeData(channel: number, sequence: number, payload: Uint8Array): Buffer {
  const header = encodeDataHeader(channel, sequence, payload.length)
  const buf = Buffer.allocUnsafe(header.length + payload.length)
  header.copy(buf)
  buf.set(payload, header.length)
  return buf
}

/**
 * The bytes of a DATA frame that come before its payload. Sending this and then the payload
 * as a second write puts the same frame on the wire without copying the payload.
 */
export function encodeDataHeader(channel: number, sequence: number, payloadLength: number): Buffer {
  const { buf, at } = frameBuffer(
    FrameType.DATA,
    channel,
    varintSize(sequence) + payloadLength,
    varintSize(sequence),
  )
  writeVarint(buf, at, sequence)
  return buf
}
