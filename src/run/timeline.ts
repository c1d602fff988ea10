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

/** Intervals a bucket stays open after the newest interval seen, for workers' samples that come late. */
export const SETTLE_AFTER_INTERVALS = 20

/** The gauges key of a settled bucket's levels, summed over its workers. */
const SUMMED = -1

interface Bucket {
  counters: Record<string, number>
  /**
   * Levels per worker, so a worker's later sample replaces its earlier one within a bucket; once
   * the bucket settles, one record under SUMMED.
   */
  gauges: Record<number, Record<string, number>>
  /**
   * Encoded latency histograms by name, decoded only when the timeline is built (a decoded
   * histogram holds ~90 KB of counts, an encoded one a few hundred bytes); one per worker while
   * the bucket is open, one merged per name once it settles.
   */
  histograms: Record<string, string[]>
  settled: boolean
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

function addHistograms(into: Record<string, string[]>, from: Record<string, readonly string[]>): void {
  for (const [name, encoded] of Object.entries(from)) {
    const existing = into[name]
    if (existing) existing.push(...encoded)
    else into[name] = [...encoded]
  }
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}

/**
 * Merges workers' interval samples into one bounded timeline. A bucket settles once the run is
 * SETTLE_AFTER_INTERVALS past it: its workers' histograms and levels fold into one each, so a long
 * run (a soak) holds a few hundred bytes per interval, not a copy per worker.
 */
export class TimelineBuilder {
  private readonly buckets = new Map<number, Bucket>()
  /** Worker intervals per bucket: 1, then 2, 4, ... once the run outgrows MAX_TIMELINE_SAMPLES. */
  private factor = 1
  /** The newest interval any worker reported. */
  private newest = -1
  /** Buckets below this index are settled. */
  private settledBelow = 0

  constructor(
    private readonly intervalMs: number,
    private readonly maxSamples = MAX_TIMELINE_SAMPLES,
  ) {}

  /** Add one worker's sample. */
  add(worker: number, sample: SampleMessage): void {
    const bucket = this.bucket(Math.floor(sample.interval / this.factor))
    addInto(bucket.counters, sample.counters)
    // A sample for a settled bucket came too late to tell this worker's level from the others',
    // already summed: its counts and latencies are kept, its levels dropped.
    if (!bucket.settled) bucket.gauges[worker] = sample.gauges
    for (const [name, encoded] of Object.entries(sample.histograms)) {
      const into = bucket.histograms[name]
      if (into) into.push(encoded)
      else bucket.histograms[name] = [encoded]
    }
    if (bucket.settled) this.fold(bucket)
    if (sample.interval > this.newest) {
      this.newest = sample.interval
      this.settle()
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
        for (const levels of Object.values(bucket.gauges)) addInto(sample, levels)
        for (const [name, encoded] of Object.entries(bucket.histograms)) {
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
      bucket = { counters: {}, gauges: {}, histograms: {}, settled: index < this.settledBelow }
      this.buckets.set(index, bucket)
    }
    return bucket
  }

  /** Settles every bucket the newest interval is SETTLE_AFTER_INTERVALS past. */
  private settle(): void {
    // Bucket i ends with interval (i + 1) * factor - 1.
    const below = Math.max(0, Math.floor((this.newest - SETTLE_AFTER_INTERVALS + 1) / this.factor))
    for (let index = this.settledBelow; index < below; index++) {
      const bucket = this.buckets.get(index)
      if (bucket) {
        bucket.settled = true
        this.fold(bucket)
      }
    }
    this.settledBelow = Math.max(this.settledBelow, below)
  }

  /** One summed level record and one encoded histogram per name. */
  private fold(bucket: Bucket): void {
    const workers = Object.keys(bucket.gauges)
    if (workers.length > 1 || (workers.length === 1 && workers[0] !== String(SUMMED))) {
      const summed: Record<string, number> = {}
      for (const levels of Object.values(bucket.gauges)) addInto(summed, levels)
      bucket.gauges = { [SUMMED]: summed }
    }
    for (const [name, encoded] of Object.entries(bucket.histograms)) {
      if (encoded.length > 1) bucket.histograms[name] = [mergeEncoded(encoded).encode()]
    }
  }

  /** Halve the resolution: merge buckets 2k and 2k+1. */
  private coarsen(): void {
    const old = [...this.buckets.entries()].sort(([a], [b]) => a - b)
    this.buckets.clear()
    this.factor *= 2
    this.settledBelow = Math.floor(this.settledBelow / 2)
    for (const [index, from] of old) {
      const into = this.bucket(Math.floor(index / 2))
      addInto(into.counters, from.counters)
      // The later bucket's levels win: a level is what held at the end of the interval. Settled
      // levels are one sum over workers, so they replace the earlier bucket's whole.
      if (from.settled || SUMMED in into.gauges) into.gauges = { ...from.gauges }
      else Object.assign(into.gauges, from.gauges)
      addHistograms(into.histograms, from.histograms)
    }
    // One encoded histogram per name and bucket again, so coarsening bounds memory as well as count.
    for (const bucket of this.buckets.values()) {
      for (const [name, encoded] of Object.entries(bucket.histograms)) {
        if (encoded.length > 1) bucket.histograms[name] = [mergeEncoded(encoded).encode()]
      }
    }
  }
}
