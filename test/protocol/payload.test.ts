import { createCipheriv, createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import {
  checksum,
  foldChecksum,
  PAYLOAD_PERIOD,
  payloadChecksum,
  streamPayload,
} from '../../src/protocol/payload.js'

describe('stream payload', () => {
  it('is the same bytes whether generated whole or piece by piece at any offset', () => {
    const whole = streamPayload(42, 0, 10_000)
    const pieces = Buffer.concat([
      streamPayload(42, 0, 7),
      streamPayload(42, 7, 4093),
      streamPayload(42, 4100, 5900),
    ])
    expect(pieces.equals(whole)).toBe(true)
    expect(streamPayload(42, 1234, 100).equals(whole.subarray(1234, 1334))).toBe(true)
  })

  it('repeats every period, and a wrapped read equals the pieces on either side of the seam', () => {
    const first = streamPayload(7, 0, PAYLOAD_PERIOD)
    expect(streamPayload(7, PAYLOAD_PERIOD, 4096).equals(first.subarray(0, 4096))).toBe(true)
    expect(streamPayload(7, 3 * PAYLOAD_PERIOD + 100, 50).equals(first.subarray(100, 150))).toBe(true)
    const seam = streamPayload(7, PAYLOAD_PERIOD - 1000, 3000)
    expect(seam.subarray(0, 1000).equals(first.subarray(PAYLOAD_PERIOD - 1000))).toBe(true)
    expect(seam.subarray(1000).equals(first.subarray(0, 2000))).toBe(true)
    // A 1 MiB payload spans several periods.
    const big = streamPayload(7, 10, 1024 * 1024)
    expect(big.subarray(PAYLOAD_PERIOD, PAYLOAD_PERIOD + 64).equals(first.subarray(10, 74))).toBe(true)
  })

  it('gives short streams the same bytes whether or not the period is cached', () => {
    const direct = streamPayload(8, 100, 1000)
    streamPayload(8, 200_000, 10)
    expect(streamPayload(8, 100, 1000).equals(direct)).toBe(true)
    expect(streamPayload(8, 0, 70_000).subarray(100, 1100).equals(direct)).toBe(true)
  })

  it('remembers the checksums of a long stream’s repeating frames, and they stay right', () => {
    for (const offset of [
      0,
      70_000,
      PAYLOAD_PERIOD - 100,
      PAYLOAD_PERIOD + 70_000,
      5 * PAYLOAD_PERIOD - 100,
    ]) {
      for (let pass = 0; pass < 2; pass++) {
        const payload = streamPayload(12, offset, 4096)
        expect(payloadChecksum(12, offset, payload)).toBe(crc32(payload))
      }
    }
    const short = streamPayload(13, 10, 100)
    expect(payloadChecksum(13, 10, short)).toBe(crc32(short))
  })

  it('matches the bytes docs/protocol.md specifies, computed independently', () => {
    const key = createHash('sha256').update('quicksand-fabric/1 stream 4242').digest().subarray(0, 16)
    const period = createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(PAYLOAD_PERIOD))
    expect(streamPayload(4242, 0, 1000).equals(period.subarray(0, 1000))).toBe(true)
    expect(streamPayload(4242, 100_000, 70_000).equals(period.subarray(100_000, 170_000))).toBe(true)
    expect(streamPayload(4242, 7 * PAYLOAD_PERIOD + 33, 64).equals(period.subarray(33, 97))).toBe(true)
  })

  it('differs between streams and is not all zeros', () => {
    const a = streamPayload(1, 0, 4096)
    const b = streamPayload(2, 0, 4096)
    expect(a.equals(b)).toBe(false)
    expect(a.some((byte) => byte !== 0)).toBe(true)
  })

  it('keeps a running checksum equal to the checksum of the whole', () => {
    const whole = streamPayload(9, 0, 65_536)
    let running = 0
    for (let at = 0; at < whole.length; at += 16_384)
      running = checksum(whole.subarray(at, at + 16_384), running)
    expect(running).toBe(crc32(whole))
  })

  it('folds frame checksums so that order and every byte count', () => {
    const a = crc32(Buffer.from('first'))
    const b = crc32(Buffer.from('second'))
    expect(foldChecksum(foldChecksum(0, a), b)).toBe(crc32(Buffer.from([...u32(a), ...u32(b)])))
    expect(foldChecksum(foldChecksum(0, a), b)).not.toBe(foldChecksum(foldChecksum(0, b), a))
  })
})

function u32(value: number): number[] {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]
}
