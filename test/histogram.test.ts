import { describe, expect, test } from 'vitest'
import { HIGHEST_TRACKABLE_US, LatencyHistogram } from '../src/metrics/histogram.js'

// 3 significant digits: any reported value is within 0.1% of a recorded one.
const RELATIVE_ERROR = 0.001

function expectNear(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(expected * RELATIVE_ERROR + 1e-9)
}

describe('LatencyHistogram', () => {
  test('keeps sub-millisecond fractions (loopback ACKs)', () => {
    const histogram = new LatencyHistogram()
    // 1 µs .. 1000 µs, one sample each: p50 is 0.5 ms, p95 0.95 ms, p99 0.99 ms.
    for (let us = 1; us <= 1000; us++) histogram.recordMs(us / 1000)
    expect(histogram.count).toBe(1000)
    expectNear(histogram.percentileMs(50), 0.5)
    expectNear(histogram.percentileMs(95), 0.95)
    expectNear(histogram.percentileMs(99), 0.99)
    expectNear(histogram.maxMs, 1)
    expectNear(histogram.meanMs, 0.5005)
    expect(histogram.percentileMs(95)).toBeGreaterThan(0)
    expect(histogram.percentileMs(95)).toBeLessThan(1)
  })

  test('recordUs and recordMs agree', () => {
    const byUs = new LatencyHistogram()
    const byMs = new LatencyHistogram()
    for (const us of [12, 250, 999, 4_321, 87_000]) {
      byUs.recordUs(us)
      byMs.recordMs(us / 1000)
    }
    expect(byUs.encode()).toBe(byMs.encode())
    expectNear(byUs.percentileMs(100), 87)
  })

  test('is empty-safe', () => {
    const histogram = new LatencyHistogram()
    expect(histogram.count).toBe(0)
    expect(histogram.percentileMs(95)).toBe(0)
    expect(histogram.maxMs).toBe(0)
    expect(histogram.meanMs).toBe(0)
  })

  test('tracks up to an hour and clamps beyond it', () => {
    const histogram = new LatencyHistogram()
    histogram.recordMs(3_600_000)
    histogram.recordMs(10 * 3_600_000)
    expect(histogram.count).toBe(2)
    expectNear(histogram.maxMs, HIGHEST_TRACKABLE_US / 1000)
  })

  test('merge adds counts and moves percentiles', () => {
    const fast = new LatencyHistogram()
    const slow = new LatencyHistogram()
    for (let i = 0; i < 900; i++) fast.recordMs(0.2)
    for (let i = 0; i < 100; i++) slow.recordMs(40)
    fast.merge(slow)
    expect(fast.count).toBe(1000)
    expectNear(fast.percentileMs(50), 0.2)
    expectNear(fast.percentileMs(95), 40)
    expect(slow.count).toBe(100)
  })

  test('encode/decode round-trips for posting between threads', () => {
    const histogram = new LatencyHistogram()
    for (let i = 1; i <= 5000; i++) histogram.recordUs((i * 37) % 20_000)
    const encoded = histogram.encode()
    expect(encoded).toMatch(/^[A-Za-z0-9+/]+=*$/)
    const decoded = LatencyHistogram.decode(encoded)
    expect(decoded.count).toBe(histogram.count)
    for (const p of [0, 50, 90, 95, 99, 99.9, 100]) {
      expect(decoded.percentileMs(p)).toBe(histogram.percentileMs(p))
    }
    expect(decoded.maxMs).toBe(histogram.maxMs)
    // A decoded histogram still merges with a local one.
    decoded.merge(histogram)
    expect(decoded.count).toBe(10_000)
  })

  test('structured clone of the encoding survives a worker boundary', () => {
    const histogram = new LatencyHistogram()
    histogram.recordMs(0.123)
    const message = structuredClone({ ack: histogram.encode() })
    expectNear(LatencyHistogram.decode(message.ack).percentileMs(50), 0.123)
  })

  test('rejects bad input with the field, value and rule', () => {
    const histogram = new LatencyHistogram()
    expect(() => histogram.recordMs(-1)).toThrow('latency ms must be a finite number >= 0, got -1')
    expect(() => histogram.recordMs(Number.NaN)).toThrow('got NaN')
    expect(() => histogram.recordUs(Number.POSITIVE_INFINITY)).toThrow(
      'latency us must be a finite number >= 0',
    )
    expect(() => histogram.percentileMs(101)).toThrow('percentile must be a number from 0 to 100, got 101')
    expect(() => LatencyHistogram.decode('')).toThrow('encoded histogram must be a non-empty base64 string')
    expect(() => LatencyHistogram.decode('bm90IGEgaGlzdG9ncmFt')).toThrow(
      'encoded histogram is not a compressed base64 HdrHistogram',
    )
    expect(() => histogram.merge({} as LatencyHistogram)).toThrow(
      'merge expects a LatencyHistogram, got Object',
    )
    expect(histogram.count).toBe(0)
  })
})
