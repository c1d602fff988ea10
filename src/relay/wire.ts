// A segment on the fabric protocol: one connection per delivery attempt, one channel per segment.
// OPEN, DATA 0 = the segment header as JSON { id, size, sha256 }, DATA 1.. = its bytes, CLOSE with
// the byte count. The peer answers CLOSE_ACK (total bytes, CRC-32 of the bytes) once it recorded the
// segment, or ERROR when the bytes do not match the header.
import { crc32 } from 'node:zlib'
import { encodeData, encodeFrame, FrameType } from '../protocol/frames.js'

/** The channel a segment travels on (one segment per connection). */
export const SEGMENT_CHANNEL = 1
/** Bytes per DATA frame. */
export const SEGMENT_CHUNK = 32 * 1024
/** Largest segment a relay takes and a peer accepts. */
export const MAX_SEGMENT_BYTES = 16 * 1024 * 1024
/** Longest segment id (UTF-16 code units). */
export const MAX_ID_LENGTH = 256

/** What DATA 0 carries. */
export interface SegmentHeader {
  id: string
  size: number
  sha256: string
}

/** The frames of one segment, in order. */
export function segmentFrames(header: SegmentHeader, data: Buffer): Buffer[] {
  const frames = [
    encodeFrame({
      type: FrameType.OPEN,
      channel: SEGMENT_CHANNEL,
      stream: 0,
      trafficClass: 'bulk',
      resumeOffset: 0,
    }),
    encodeData(SEGMENT_CHANNEL, 0, Buffer.from(JSON.stringify(header), 'utf8')),
  ]
  let sequence = 1
  for (let at = 0; at < data.length; at += SEGMENT_CHUNK) {
    frames.push(encodeData(SEGMENT_CHANNEL, sequence++, data.subarray(at, at + SEGMENT_CHUNK)))
  }
  frames.push(encodeFrame({ type: FrameType.CLOSE, channel: SEGMENT_CHANNEL, totalBytes: data.length }))
  return frames
}

/** The CRC-32 a CLOSE_ACK carries for a segment's bytes. */
export function segmentChecksum(data: Uint8Array): number {
  return crc32(data) >>> 0
}

/** Parses DATA 0; undefined when it is not a segment header. */
export function parseSegmentHeader(payload: Buffer): SegmentHeader | undefined {
  try {
    const value = JSON.parse(payload.toString('utf8')) as Partial<SegmentHeader>
    if (
      typeof value.id === 'string' &&
      value.id.length > 0 &&
      value.id.length <= MAX_ID_LENGTH &&
      Number.isInteger(value.size) &&
      (value.size as number) >= 0 &&
      (value.size as number) <= MAX_SEGMENT_BYTES &&
      typeof value.sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(value.sha256)
    ) {
      return { id: value.id, size: value.size as number, sha256: value.sha256 }
    }
  } catch {
    // Not JSON: the caller answers with an ERROR frame.
  }
  return undefined
}
