import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FrameDecoder, ProtocolError } from '../../src/protocol/codec.js'
import { ErrorCode, encodeFrame, type Frame, FrameType, HARD_MAX_PAYLOAD } from '../../src/protocol/frames.js'
import { readVarint, writeVarint } from '../../src/protocol/varint.js'

const varint = fc.oneof(
  fc.integer({ min: 0, max: 63 }),
  fc.integer({ min: 64, max: 16383 }),
  fc.integer({ min: 16384, max: 2 ** 30 - 1 }),
  fc.integer({ min: 2 ** 30, max: Number.MAX_SAFE_INTEGER }),
)
const u32 = fc.integer({ min: 0, max: 0xffffffff })

const frame: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({
    type: fc.constant(FrameType.OPEN),
    channel: varint,
    stream: varint,
    trafficClass: fc.constantFrom('control' as const, 'bulk' as const),
    resumeOffset: varint,
  }),
  fc.record({
    type: fc.constant(FrameType.DATA),
    channel: varint,
    sequence: varint,
    payload: fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)),
  }),
  fc.record({ type: fc.constant(FrameType.ACK), channel: varint, sequence: varint, checksum: u32 }),
  fc.record({ type: fc.constant(FrameType.CLOSE), channel: varint, totalBytes: varint }),
  fc.record({ type: fc.constant(FrameType.CLOSE_ACK), channel: varint, totalBytes: varint, checksum: u32 }),
  fc.record({ type: fc.constant(FrameType.PING), channel: varint, nonce: varint }),
  fc.record({ type: fc.constant(FrameType.PONG), channel: varint, nonce: varint }),
  fc.record({
    type: fc.constant(FrameType.ERROR),
    channel: varint,
    code: varint,
    reason: fc.string({ maxLength: 200 }),
  }),
)

/** Split bytes at the given cut points into chunks. */
function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let last = 0
  for (const p of points) {
    out.push(bytes.subarray(last, p))
    last = p
  }
  out.push(bytes.subarray(last))
  return out
}

describe('varint', () => {
  it('round-trips every value a JavaScript number holds exactly', () => {
    fc.assert(
      fc.property(varint, (value) => {
        const buf = Buffer.alloc(8)
        const end = writeVarint(buf, 0, value)
        expect(readVarint(buf, 0)).toEqual({ value, next: end })
      }),
    )
  })

  it('uses the QUIC encodings from RFC 9000', () => {
    const buf = Buffer.alloc(8)
    expect(buf.subarray(0, writeVarint(buf, 0, 37)).toString('hex')).toBe('25')
    expect(buf.subarray(0, writeVarint(buf, 0, 15293)).toString('hex')).toBe('7bbd')
    expect(buf.subarray(0, writeVarint(buf, 0, 494878333)).toString('hex')).toBe('9d7f3e7d')
    expect(readVarint(Buffer.from('c01fffffffffffff', 'hex'), 0)?.value).toBe(Number.MAX_SAFE_INTEGER)
    // RFC 9000's 8-byte example is beyond 2^53: refused rather than silently rounded.
    expect(() => readVarint(Buffer.from('c2197c5eff14e88c', 'hex'), 0)).toThrow(RangeError)
  })

  it('rejects negative and fractional values', () => {
    expect(() => writeVarint(Buffer.alloc(8), 0, -1)).toThrow(/non-negative safe integer, got -1/)
    expect(() => writeVarint(Buffer.alloc(8), 0, 1.5)).toThrow(/got 1.5/)
  })
})

describe('frame codec', () => {
  it('decodes what it encodes, however the bytes are split', () => {
    fc.assert(
      fc.property(
        fc.array(frame, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (frames, cuts) => {
          const wire = Buffer.concat(frames.map(encodeFrame))
          const decoder = new FrameDecoder(4096)
          const decoded = chunked(wire, cuts).flatMap((c) => decoder.push(c))
          expect(decoded).toEqual(
            frames.map((f) => (f.type === FrameType.ERROR ? { ...f, reason: trimReason(f.reason) } : f)),
          )
          expect(decoder.pendingBytes).toBe(0)
        },
      ),
    )
  })

  it('never throws anything but ProtocolError on random bytes, and never buffers past one frame', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 512 }), { maxLength: 20 }), (chunks) => {
        const decoder = new FrameDecoder(1024)
        try {
          for (const chunk of chunks) {
            decoder.push(Buffer.from(chunk))
            // Pending bytes are at most one frame: header (24) + body limit.
            expect(decoder.pendingBytes).toBeLessThanOrEqual(24 + 1024 + 8 + 512)
          }
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('refuses a frame body over the limit before buffering it', () => {
    const decoder = new FrameDecoder(1024)
    const header = Buffer.alloc(16)
    let at = writeVarint(header, 0, FrameType.DATA)
    at = writeVarint(header, at, 1)
    at = writeVarint(header, at, 2 ** 40)
    const error = (() => {
      try {
        decoder.push(header.subarray(0, at))
      } catch (e) {
        return e as ProtocolError
      }
    })()
    expect(error).toBeInstanceOf(ProtocolError)
    expect(error?.code).toBe(ErrorCode.FRAME_TOO_LARGE)
  })

  it('rejects truncated fields and unknown types with ProtocolError', () => {
    // ACK whose body is one byte short of the checksum.
    expect(() => new FrameDecoder().push(Buffer.from([FrameType.ACK, 1, 4, 1, 0, 0, 0]))).toThrow(
      ProtocolError,
    )
    expect(() => new FrameDecoder().push(Buffer.from([0x3f, 1, 0]))).toThrow(/unknown frame type 63/)
    expect(() => new FrameDecoder(HARD_MAX_PAYLOAD + 1)).toThrow(
      /maxPayload must be an integer from 1 to 1048576/,
    )
  })

  it('with reusePayloads, hands out straddling payloads that are right until the next push', () => {
    fc.assert(
      fc.property(
        fc.array(frame, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (frames, cuts) => {
          const wire = Buffer.concat(frames.map(encodeFrame))
          const decoder = new FrameDecoder(4096, true)
          // Each payload is read before the next push, as a node does.
          const seen = chunked(wire, cuts).flatMap((c) =>
            decoder
              .push(c)
              .map((f) => (f.type === FrameType.DATA ? { ...f, payload: Buffer.from(f.payload) } : f)),
          )
          expect(seen).toEqual(
            frames.map((f) => (f.type === FrameType.ERROR ? { ...f, reason: trimReason(f.reason) } : f)),
          )
        },
      ),
    )
  })

  it('waits for the rest of a frame instead of failing on a partial one', () => {
    const wire = encodeFrame({
      type: FrameType.DATA,
      channel: 3,
      sequence: 7,
      payload: Buffer.alloc(1000, 9),
    })
    const decoder = new FrameDecoder()
    expect(decoder.push(wire.subarray(0, 2))).toEqual([])
    expect(decoder.push(wire.subarray(2, 500))).toEqual([])
    const [decoded] = decoder.push(wire.subarray(500))
    expect(decoded).toMatchObject({ type: FrameType.DATA, channel: 3, sequence: 7 })
    expect(decoded?.type === FrameType.DATA && decoded.payload.equals(Buffer.alloc(1000, 9))).toBe(true)
  })
})

function trimReason(reason: string): string {
  const bytes = Buffer.from(reason, 'utf8')
  return bytes.length <= 1024 ? reason : bytes.subarray(0, 1024).toString('utf8')
}
