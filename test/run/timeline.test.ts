import { describe, expect, test } from 'vitest'
import { LatencyHistogram } from '../../src/metrics/histogram.js'
import { SETTLE_AFTER_INTERVALS, TimelineBuilder } from '../../src/run/timeline.js'

function histogram(...ms: number[]): string {
  const h = new LatencyHistogram()
  for (const value of ms) h.recordMs(value)
  return h.encode()
}

describe('TimelineBuilder', () => {
  test('sums counters and levels of workers per interval and merges their latencies', () => {
    const timeline = new TimelineBuilder(100)
    timeline.add(0, {
      type: 'sample',
      interval: 0,
      counters: { bytes: 10 },
      gauges: { active: 2 },
      histograms: { ack: histogram(1, 2) },
    })
    timeline.add(1, {
      type: 'sample',
      interval: 0,
      counters: { bytes: 5 },
      gauges: { active: 3 },
      histograms: { ack: histogram(40) },
    })
    timeline.add(0, {
      type: 'sample',
      interval: 2,
      counters: { bytes: 1 },
      gauges: { active: 0 },
      histograms: {},
    })
    const samples = timeline.build()
    expect(samples).toHaveLength(2)
    expect(samples[0]).toMatchObject({ at: 0, ms: 100, bytes: 15, active: 5, ackCount: 3 })
    expect(samples[0]!.ackP99Ms).toBeCloseTo(40, 0)
    expect(samples[0]!.ackP50Ms).toBeCloseTo(2, 1)
    expect(samples[1]).toMatchObject({ at: 200, ms: 100, bytes: 1, active: 0 })
  })

  test('stays within its bound by merging neighbours, keeping every count', () => {
    const timeline = new TimelineBuilder(100, 8)
    for (let interval = 0; interval < 100; interval++) {
      timeline.add(0, {
        type: 'sample',
        interval,
        counters: { n: 1 },
        gauges: { level: interval },
        histograms: { ack: histogram(interval + 1) },
      })
    }
    const samples = timeline.build()
    expect(samples.length).toBeLessThanOrEqual(8)
    expect(samples.reduce((n, s) => n + s.n!, 0)).toBe(100)
    expect(samples.reduce((n, s) => n + s.ackCount!, 0)).toBe(100)
    const width = samples[0]!.ms
    expect(width).toBe(1600)
    expect(samples.every((s) => s.ms === width && s.at % width === 0)).toBe(true)
    // The level kept for a merged interval is the last one reported in it.
    expect(samples.at(-1)!.level).toBe(99)
  })

  test('settled intervals give the same figures as open ones, and hold one record per interval', () => {
    const timeline = new TimelineBuilder(100)
    const intervals = SETTLE_AFTER_INTERVALS + 30
    for (let interval = 0; interval < intervals; interval++) {
      for (const worker of [0, 1]) {
        timeline.add(worker, {
          type: 'sample',
          interval,
          counters: { n: worker + 1 },
          gauges: { level: (worker + 1) * interval },
          histograms: { ack: histogram((worker + 1) * (interval + 1)) },
        })
      }
    }
    const samples = timeline.build()
    expect(samples).toHaveLength(intervals)
    samples.forEach((sample, interval) => {
      expect(sample).toMatchObject({ at: interval * 100, n: 3, level: 3 * interval, ackCount: 2 })
      expect(sample.ackP99Ms).toBeCloseTo(2 * (interval + 1), 0)
      expect(sample.ackP50Ms).toBeCloseTo(interval + 1, 0)
    })
    // What a long run keeps per settled interval: one summed level record, one histogram per name.
    const buckets = (
      timeline as unknown as {
        buckets: Map<number, { gauges: object; histograms: Record<string, string[]> }>
      }
    ).buckets
    const settled = buckets.get(0)!
    expect(Object.keys(settled.gauges)).toHaveLength(1)
    expect(settled.histograms.ack).toHaveLength(1)
    const open = buckets.get(intervals - 1)!
    expect(Object.keys(open.gauges)).toHaveLength(2)
    expect(open.histograms.ack).toHaveLength(2)
  })

  test('a sample for a settled interval adds its counts and latencies; its level comes too late', () => {
    const timeline = new TimelineBuilder(100)
    for (let interval = 0; interval <= SETTLE_AFTER_INTERVALS + 5; interval++) {
      timeline.add(0, {
        type: 'sample',
        interval,
        counters: { n: 1 },
        gauges: { level: 1 },
        histograms: { ack: histogram(1) },
      })
    }
    timeline.add(1, {
      type: 'sample',
      interval: 0,
      counters: { n: 5 },
      gauges: { level: 100 },
      histograms: { ack: histogram(50) },
    })
    const first = timeline.build()[0]!
    expect(first).toMatchObject({ n: 6, level: 1, ackCount: 2 })
    expect(first.ackP99Ms).toBeCloseTo(50, 0)
  })

  test('coarsening settled and open intervals of two workers keeps every count and the last levels', () => {
    const timeline = new TimelineBuilder(100, 8)
    for (let interval = 0; interval < 100; interval++) {
      for (const worker of [0, 1]) {
        timeline.add(worker, {
          type: 'sample',
          interval,
          counters: { n: 1 },
          gauges: { level: interval + worker },
          histograms: { ack: histogram(interval + 1) },
        })
      }
    }
    const samples = timeline.build()
    expect(samples.length).toBeLessThanOrEqual(8)
    expect(samples.reduce((n, s) => n + s.n!, 0)).toBe(200)
    expect(samples.reduce((n, s) => n + s.ackCount!, 0)).toBe(200)
    // The last interval's levels, summed over both workers.
    expect(samples.at(-1)!.level).toBe(99 + 100)
    expect(samples.at(-1)!.ackP99Ms).toBeCloseTo(100, 0)
  })
})
