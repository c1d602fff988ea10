import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
} from 'hdr-histogram-js'

/** Smallest latency the histogram tells apart from zero: one microsecond. */
export const LOWEST_TRACKABLE_US = 1
/** Largest latency the histogram tracks: one hour, in microseconds. */
export const HIGHEST_TRACKABLE_US = 3_600_000_000
/** Value precision kept across the whole range (0.1% relative error). */
export const SIGNIFICANT_DIGITS = 3

// Counts are 32-bit: four billion samples per bucket is far beyond any bounded run.
const BIT_BUCKET_SIZE = 32

function createHistogram(): Histogram {
  // useWebAssembly stays false: the WASM build needs an async init that worker threads
  // would have to await before their first sample; the pure-JS build works at import time.
  return build({
    bitBucketSize: BIT_BUCKET_SIZE,
    autoResize: false,
    lowestDiscernibleValue: LOWEST_TRACKABLE_US,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    useWebAssembly: false,
  })
}

/**
 * Latency distribution of ACKs, setups or stream durations, recorded in microseconds so
 * sub-millisecond loopback latencies keep their fractions when read back in milliseconds.
 */
export class LatencyHistogram {
  #histogram: Histogram

  /** Creates an empty histogram covering 1 µs .. 1 hour at 3 significant digits. */
  constructor() {
    this.#histogram = createHistogram()
  }

  /** Records one latency given in (fractional) milliseconds. */
  recordMs(ms: number): void {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`latency ms must be a finite number >= 0, got ${String(ms)}`)
    }
    this.#recordClampedUs(ms * 1000)
  }

  /** Records one latency given in microseconds. */
  recordUs(us: number): void {
    if (typeof us !== 'number' || !Number.isFinite(us) || us < 0) {
      throw new RangeError(`latency us must be a finite number >= 0, got ${String(us)}`)
    }
    this.#recordClampedUs(us)
  }

  #recordClampedUs(us: number): void {
    // A stream stuck past an hour is still counted (as the ceiling) rather than
    // throwing from inside a load loop and losing the rest of the run's samples.
    const value = Math.min(Math.round(us), HIGHEST_TRACKABLE_US)
    this.#histogram.recordValue(value)
  }

  /** Number of recorded samples. */
  get count(): number {
    return this.#histogram.totalCount
  }

  /** Largest recorded latency in ms, to histogram precision (0 when empty). */
  get maxMs(): number {
    // The raw maxValue is exact only for locally recorded samples and becomes the bucket's
    // top after merge/decode; the 100th percentile is the same figure in both cases.
    return this.percentileMs(100)
  }

  /** Mean latency in ms (0 when empty). */
  get meanMs(): number {
    return this.count === 0 ? 0 : this.#histogram.mean / 1000
  }

  /** Latency in ms at percentile p (0..100), with fractions; 0 when empty. */
  percentileMs(p: number): number {
    if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 100) {
      throw new RangeError(`percentile must be a number from 0 to 100, got ${String(p)}`)
    }
    if (this.count === 0) return 0
    return this.#histogram.getValueAtPercentile(p) / 1000
  }

  /**
   * The classic HDR percentile distribution: [percentile, ms] pairs at 0, 50, 75, 87.5, ... (each
   * step halves what is left), as far as the sample count resolves, then 100 (the maximum).
   */
  percentileDistribution(): Array<[number, number]> {
    if (this.count === 0) return []
    const points: Array<[number, number]> = []
    // Two ticks per halving, as HdrHistogram's own percentile output; past 1/count there is no
    // more information, and 99.9999 bounds a huge run.
    for (let step = 0; ; step++) {
      const rest = 0.5 ** (step / 2)
      if (rest * this.count < 1 || rest < 1e-6) break
      const percentile = Math.round((1 - rest) * 100 * 1e6) / 1e6
      points.push([percentile, this.percentileMs(percentile)])
    }
    points.push([100, this.maxMs])
    return points
  }

  /** Adds every sample of another histogram into this one (e.g. one per worker thread). */
  merge(other: LatencyHistogram): this {
    if (!(other instanceof LatencyHistogram)) {
      throw new TypeError(`merge expects a LatencyHistogram, got ${describe(other)}`)
    }
    this.#histogram.add(other.#histogram)
    return this
  }

  /** Forgets every sample, keeping the allocated buckets for reuse. */
  reset(): void {
    this.#histogram.reset()
  }

  /** Compressed base64 form (HdrHistogram V2 encoding), small enough to post between threads. */
  encode(): string {
    return encodeIntoCompressedBase64(this.#histogram)
  }

  /** Rebuilds a histogram from `encode()` output. */
  static decode(encoded: string): LatencyHistogram {
    if (typeof encoded !== 'string' || encoded.length === 0) {
      throw new TypeError(`encoded histogram must be a non-empty base64 string, got ${describe(encoded)}`)
    }
    let decoded: Histogram
    try {
      decoded = decodeFromCompressedBase64(encoded, BIT_BUCKET_SIZE, false)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      throw new TypeError(`encoded histogram is not a compressed base64 HdrHistogram: ${reason}`)
    }
    const histogram = new LatencyHistogram()
    // Adding into a fresh histogram (rather than adopting the decoded one) keeps the
    // range and precision fixed whatever the sender used.
    histogram.#histogram.add(decoded)
    return histogram
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `'${value.slice(0, 40)}…'` : `'${value}'`
  if (value === null) return 'null'
  if (typeof value === 'object') return value.constructor?.name ?? 'object'
  return `${typeof value} ${String(value)}`
}
