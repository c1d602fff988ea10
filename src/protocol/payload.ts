import { createCipheriv, createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'

// Payload bytes are an AES-128-CTR keystream keyed by the logical stream id, repeating every
// PERIOD bytes: byte o of stream s is keystream_s[o mod PERIOD], the block counter taken from
// that offset. Any peer regenerates the bytes of (stream, offset) without state. Long streams
// keep one PERIOD of keystream cached, so their payload is a copy, not a cipher pass: generating
// the load costs far less than moving it. Short streams (the churn case) never fill the cache.

/** The keystream repeats every PERIOD bytes of a stream. */
export const PAYLOAD_PERIOD = 256 * 1024
const CACHE_AFTER = 64 * 1024
const CACHED_STREAMS = 32

const ZEROS = Buffer.alloc(PAYLOAD_PERIOD + 16)
const keys = new Map<number, Buffer>()
const periods = new Map<number, Buffer>()
/** CRC-32 of cached-period slices, per stream, keyed by `offsetInPeriod:length`. */
const sliceChecksums = new Map<number, Map<string, number>>()

function streamKey(stream: number): Buffer {
  let key = keys.get(stream)
  if (!key) {
    key = createHash('sha256').update(`quicksand-fabric/1 stream ${stream}`).digest().subarray(0, 16)
    if (keys.size > 4096) keys.clear()
    keys.set(stream, key)
  }
  return key
}

/** Keystream bytes [offset, offset + length) of one period; offset + length <= PAYLOAD_PERIOD. */
function keystream(stream: number, offset: number, length: number): Buffer {
  const block = Math.floor(offset / 16)
  const skip = offset - block * 16
  const iv = Buffer.alloc(16)
  iv.writeUInt32BE(block, 12)
  const out = createCipheriv('aes-128-ctr', streamKey(stream), iv).update(ZEROS.subarray(0, length + skip))
  return skip === 0 ? out : out.subarray(skip)
}

/** The stream's whole period, cached for the few most recently used long streams. */
function period(stream: number): Buffer {
  let bytes = periods.get(stream)
  if (bytes) {
    periods.delete(stream)
  } else {
    bytes = keystream(stream, 0, PAYLOAD_PERIOD)
    if (periods.size >= CACHED_STREAMS) {
      const oldest = periods.keys().next().value!
      periods.delete(oldest)
      sliceChecksums.delete(oldest)
    }
  }
  periods.set(stream, bytes)
  return bytes
}

/**
 * The deterministic payload of `length` bytes at `offset` in logical stream `stream`.
 * The result may be a view of a shared cache: read it, never write to it.
 */
export function streamPayload(stream: number, offset: number, length: number): Buffer {
  const at = offset % PAYLOAD_PERIOD
  if (offset + length <= CACHE_AFTER) return keystream(stream, at, length)
  const bytes = period(stream)
  if (at + length <= PAYLOAD_PERIOD) return bytes.subarray(at, at + length)
  const out = Buffer.allocUnsafe(length)
  let written = 0
  let from = at
  while (written < length) {
    const take = Math.min(length - written, PAYLOAD_PERIOD - from)
    bytes.copy(out, written, from, from + take)
    written += take
    from = 0
  }
  return out
}

/**
 * CRC-32 of the stream's payload at (offset, length), given those bytes. A long stream's frames
 * repeat with its period, so their checksums are remembered instead of recomputed per frame.
 */
export function payloadChecksum(stream: number, offset: number, payload: Uint8Array): number {
  const sums =
    offset + payload.length > CACHE_AFTER && periods.has(stream) ? sliceChecksums.get(stream) : undefined
  if (!sums) {
    if (offset + payload.length > CACHE_AFTER && periods.has(stream)) sliceChecksums.set(stream, new Map())
    return crc32(payload)
  }
  const key = `${offset % PAYLOAD_PERIOD}:${payload.length}`
  let sum = sums.get(key)
  if (sum === undefined) {
    sum = crc32(payload)
    if (sums.size < 4096) sums.set(key, sum)
  }
  return sum
}

/** CRC-32 of bytes, continuing from `previous` when given. */
export function checksum(bytes: Uint8Array, previous = 0): number {
  return crc32(bytes, previous)
}

const folded = Buffer.alloc(4)

/**
 * Fold one frame's checksum into a channel's running checksum: the CRC-32 of the frames'
 * checksums in order. It pins every payload byte and the frame order at 4 bytes of work per frame
 * instead of a second pass over the payload.
 */
export function foldChecksum(running: number, frameChecksum: number): number {
  folded.writeUInt32BE(frameChecksum >>> 0, 0)
  return crc32(folded, running)
}
