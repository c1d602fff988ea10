import { describe, expect, test } from 'vitest'
import { LatencyHistogram } from '../../src/metrics/histogram.js'
import { TimelineBuilder } from '../../src/run/timeline.js'

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
})
