import { describe, expect, test } from 'vitest'
import { LatencyHistogram } from '../../src/metrics/histogram.js'
import { impairmentPeriods } from '../../src/reporter/periods.js'
import type { RunEvent } from '../../src/run/events.js'

const proxy = 'proxy tcp://127.0.0.1:5000'
const event = (at: number, type: string, details: Record<string, unknown> = {}): RunEvent => ({
  at,
  source: proxy,
  type,
  ...details,
})

describe('impairmentPeriods', () => {
  test('an impairment set before the run is on from 0 until it is cleared', () => {
    const periods = impairmentPeriods(
      [
        event(-50, 'impairment.set', { impairments: [{ kind: 'latency' }] }),
        event(300, 'impairment.add', { impairment: { kind: 'loss', name: 'drop' } }),
        event(500, 'impairment.remove', { impairment: { kind: 'loss', name: 'drop' } }),
        event(700, 'impairment.clear', { impairments: [] }),
        event(800, 'node.kill'),
      ],
      1000,
    )
    expect(periods).toEqual([
      { source: proxy, from: 0, to: 300, label: 'latency' },
      { source: proxy, from: 300, to: 500, label: 'latency, loss' },
      { source: proxy, from: 500, to: 700, label: 'latency' },
    ])
  })

  test('a flap is on between down and up; a period still open ends with the run', () => {
    const periods = impairmentPeriods(
      [
        event(100, 'flap.down', { impairment: { kind: 'outage', name: 'flap' } }),
        event(200, 'flap.up', { name: 'flap' }),
        event(900, 'impairment.set', { impairments: [{ kind: 'bandwidth' }] }),
      ],
      1000,
    )
    expect(periods).toEqual([
      { source: proxy, from: 100, to: 200, label: 'outage' },
      { source: proxy, from: 900, to: 1000, label: 'bandwidth' },
    ])
  })
})

describe('LatencyHistogram.percentileDistribution', () => {
  test('halves what is left per two ticks, as far as the count resolves, and ends at the maximum', () => {
    const histogram = new LatencyHistogram()
    for (let i = 1; i <= 1000; i++) histogram.recordMs(i)
    const points = histogram.percentileDistribution()
    expect(points[0]).toEqual([0, 1])
    expect(points.map(([p]) => p)).toContain(50)
    expect(points.map(([p]) => p)).toContain(75)
    // 1000 samples resolve a tail of 1/1000: the last tick keeps at least that much (99.86 here).
    expect(points.at(-2)![0]).toBeGreaterThan(99.8)
    expect(points.at(-1)).toEqual([100, histogram.maxMs])
    expect(Math.abs(points.at(-1)![1] - 1000)).toBeLessThanOrEqual(1)
    expect(new LatencyHistogram().percentileDistribution()).toEqual([])
  })
})
