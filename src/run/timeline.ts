import { LatencyHistogram } from '../metrics/histogram.js'
import type { SampleMessage } from './protocol.js'

/** Most samples a run's timeline keeps; past it, neighbouring intervals are merged (coarser). */
export const MAX_TIMELINE_SAMPLES = 10_000

/** One interval of a run: when (ms from the run's start), how long, and what happened in it. */
export interface TimelineSample {
  /** Start of the interval, ms after the run started. */
  at: number
  /** Length of the interval in ms. */
  ms: number
  /**
   * Counters of the interval (summed over workers), levels at its end (summed over workers), and
   * for each latency histogram `<name>P50Ms`, `<name>P95Ms`, `<name>P99Ms` and `<name>Count`.
   */
  [metric: string]: number
}

interface Bucket {
  counters: Record<string, number>
  /** Levels per worker, so a worker's later sample replaces its earlier one within a bucket. */
  gauges: Map<number, Record<string, number>>
  /**
   * Encoded latency histograms by name, decoded only when the timeline is built: a decoded
   * histogram holds ~90 KB of counts, an encoded one a few hundred bytes.
   */
  histograms: Map<string, string[]>
}

/** Decode and merge encoded histograms into one. */
function mergeEncoded(encoded: readonly string[]): LatencyHistogram {
  const total = LatencyHistogram.decode(encoded[0]!)
  for (const one of encoded.slice(1)) total.merge(LatencyHistogram.decode(one))
  return total
}

function addInto(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, value] of Object.entries(from)) into[key] = (into[key] ?? 0) + value
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}

/** Merges workers' interval samples into one bounded timeline. */
export class TimelineBuilder {
  private readonly buckets = new Map<number, Bucket>()
  /** Worker intervals per bucket: 1, then 2, 4, ... once the run outgrows MAX_TIMELINE_SAMPLES. */
  private factor = 1

  constructor(
    private readonly intervalMs: number,
    private readonly maxSamples = MAX_TIMELINE_SAMPLES,
  ) {}

  /** Add one worker's sample. */
  add(worker: number, sample: SampleMessage): void {
    const bucket = this.bucket(Math.floor(sample.interval / this.factor))
    addInto(bucket.counters, sample.counters)
    bucket.gauges.set(worker, sample.gauges)
    for (const [name, encoded] of Object.entries(sample.histograms)) {
      const into = bucket.histograms.get(name)
      if (into) into.push(encoded)
      else bucket.histograms.set(name, [encoded])
    }
    if (this.buckets.size > this.maxSamples) this.coarsen()
  }

  /** The timeline, oldest first, as plain JSON. */
  build(): TimelineSample[] {
    const width = this.intervalMs * this.factor
    return [...this.buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, bucket]) => {
        const sample: TimelineSample = { at: index * width, ms: width, ...bucket.counters }
        for (const levels of bucket.gauges.values()) addInto(sample, levels)
        for (const [name, encoded] of bucket.histograms) {
          const histogram = mergeEncoded(encoded)
          sample[`${name}P50Ms`] = round3(histogram.percentileMs(50))
          sample[`${name}P95Ms`] = round3(histogram.percentileMs(95))
          sample[`${name}P99Ms`] = round3(histogram.percentileMs(99))
          sample[`${name}Count`] = histogram.count
        }
        return sample
      })
  }

  private bucket(index: number): Bucket {
    let bucket = this.buckets.get(index)
    if (!bucket) {
      bucket = { counters: {}, gauges: new Map(), histograms: new Map() }
      this.buckets.set(index, bucket)
    }
    return bucket
  }

  /** Halve the resolution: merge buckets 2k and 2k+1. */
  private coarsen(): void {
    const old = [...this.buckets.entries()].sort(([a], [b]) => a - b)
    this.buckets.clear()
    this.factor *= 2
    for (const [index, from] of old) {
      const into = this.bucket(Math.floor(index / 2))
      addInto(into.counters, from.counters)
      // The later bucket's levels win: a level is what held at the end of the interval.
      for (const [worker, levels] of from.gauges) into.gauges.set(worker, levels)
      for (const [name, encoded] of from.histograms) {
        const existing = into.histograms.get(name)
        if (existing) existing.push(...encoded)
        else into.histograms.set(name, [...encoded])
      }
    }
    // One encoded histogram per name and bucket again, so coarsening bounds memory as well as count.
    for (const bucket of this.buckets.values()) {
      for (const [name, encoded] of bucket.histograms) {
        if (encoded.length > 1) bucket.histograms.set(name, [mergeEncoded(encoded).encode()])
      }
    }
  }
}
