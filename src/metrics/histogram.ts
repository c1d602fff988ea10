import * as hdr from 'hdr-histogram-js'

const LOWEST_US = 1
const HIGHEST_US = 3_600_000_000
const DIGITS = 3

/**
 * A latency histogram in microseconds over hdr-histogram-js (the pure-JS build, so it needs no
 * async WebAssembly set-up in worker threads). Values go in and come out in milliseconds with
 * fractions: loopback round trips are well under a millisecond.
 */
export class LatencyHistogram {
  private readonly histogram: hdr.Histogram

  constructor(from?: hdr.Histogram) {
    this.histogram =
      from ??
      hdr.build({
        bitBucketSize: 32,
        lowestDiscernibleValue: LOWEST_US,
        highestTrackableValue: HIGHEST_US,
        numberOfSignificantValueDigits: DIGITS,
        autoResize: true,
        useWebAssembly: false,
      })
  }

  /** Record one latency given in milliseconds (fractions kept to the microsecond). */
  recordMs(ms: number): void {
    const us = Math.round(ms * 1000)
    this.histogram.recordValue(Math.min(Math.max(us, LOWEST_US), HIGHEST_US))
  }

  /** Values recorded. */
  get count(): number {
    return this.histogram.totalCount
  }

  /** The p-th percentile (0–100) in milliseconds; 0 when nothing was recorded. */
  percentileMs(p: number): number {
    if (this.histogram.totalCount === 0) return 0
    return this.histogram.getValueAtPercentile(p) / 1000
  }

  /** The largest value recorded, in milliseconds. */
  get maxMs(): number {
    return this.histogram.totalCount === 0 ? 0 : this.histogram.maxValue / 1000
  }

  /** Add every value of another histogram to this one. */
  merge(other: LatencyHistogram): void {
    this.histogram.add(other.histogram)
  }

  /** Compressed base64, to send across threads. */
  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.histogram)
  }

  /** Rebuild a histogram from encode()'s output. */
  static decode(encoded: string): LatencyHistogram {
    return new LatencyHistogram(hdr.decodeFromCompressedBase64(encoded, 32, false))
  }
}
