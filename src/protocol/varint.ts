// QUIC variable-length integers (RFC 9000 §16): the two high bits of the first byte give the
// length (1, 2, 4 or 8 bytes), the rest is the value in network byte order.

/** Largest value a varint can carry that is still exact in a JavaScript number. */
export const MAX_VARINT = Number.MAX_SAFE_INTEGER

/** Bytes needed to encode `value` as a varint. */
export function varintSize(value: number): 1 | 2 | 4 | 8 {
  if (value < 0x40) return 1
  if (value < 0x4000) return 2
  if (value < 0x40000000) return 4
  return 8
}

/** Write `value` at `offset`; returns the offset after it. Throws on values a varint cannot carry. */
export function writeVarint(buf: Uint8Array, offset: number, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`varint must be a non-negative safe integer, got ${value}`)
  }
  const size = varintSize(value)
  if (size === 1) {
    buf[offset] = value
  } else if (size === 2) {
    buf[offset] = 0x40 | (value >>> 8)
    buf[offset + 1] = value & 0xff
  } else if (size === 4) {
    buf[offset] = 0x80 | (value >>> 24)
    buf[offset + 1] = (value >>> 16) & 0xff
    buf[offset + 2] = (value >>> 8) & 0xff
    buf[offset + 3] = value & 0xff
  } else {
    const high = Math.floor(value / 0x100000000)
    const low = value >>> 0
    buf[offset] = 0xc0 | (high >>> 24)
    buf[offset + 1] = (high >>> 16) & 0xff
    buf[offset + 2] = (high >>> 8) & 0xff
    buf[offset + 3] = high & 0xff
    buf[offset + 4] = low >>> 24
    buf[offset + 5] = (low >>> 16) & 0xff
    buf[offset + 6] = (low >>> 8) & 0xff
    buf[offset + 7] = low & 0xff
  }
  return offset + size
}

/** Result of reading a varint: the value and the offset after it, or null when more bytes are needed. */
export interface VarintRead {
  value: number
  next: number
}

/**
 * Read a varint at `offset` from `buf`, not past `end`. Returns null when the buffer ends first.
 * Throws a RangeError when the value is beyond what a JavaScript number holds exactly.
 */
export function readVarint(buf: Uint8Array, offset: number, end = buf.length): VarintRead | null {
  if (offset >= end) return null
  const first = buf[offset]!
  const size = 1 << (first >>> 6)
  if (offset + size > end) return null
  if (size === 1) return { value: first & 0x3f, next: offset + 1 }
  if (size === 2) return { value: ((first & 0x3f) << 8) | buf[offset + 1]!, next: offset + 2 }
  if (size === 4) {
    const value =
      (first & 0x3f) * 0x1000000 + ((buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!)
    return { value, next: offset + 4 }
  }
  const high =
    (first & 0x3f) * 0x1000000 + ((buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!)
  if (high > 0x1fffff) throw new RangeError('varint exceeds the safe integer range')
  const low =
    buf[offset + 4]! * 0x1000000 + ((buf[offset + 5]! << 16) | (buf[offset + 6]! << 8) | buf[offset + 7]!)
  return { value: high * 0x100000000 + low, next: offset + 8 }
}
