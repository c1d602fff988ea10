import type { HealthView } from './target-health.js'

/** How placement treats targets. */
export interface PlacementOptions {
  /** Retry a failed stream on other targets; off: a stream only ever tries its own target. */
  poolFailover: boolean
  /** Target indexes streams may use (those that passed the probe); default all. */
  candidates?: readonly number[]
  /** Probe RTT per target index in ms (0 or missing = unknown); steers placement when heterogeneous. */
  rttMs?: readonly number[]
}

/** RTTs under this count as this much, so loopback noise between healthy targets is not heterogeneity. */
const RTT_FLOOR_MS = 1
/** A target never weighs more than this many slower targets, as the reference caps it. */
const MAX_WEIGHT = 32

/** Whether probe RTTs differ enough (max >= 4 x min, RTTs under 1 ms counted as 1 ms) to steer placement. */
export function rttHeterogeneous(rttMs: readonly number[]): boolean {
  const known = rttMs.filter((rtt) => rtt > 0).map((rtt) => Math.max(rtt, RTT_FLOOR_MS))
  if (known.length < 2) return false
  return Math.max(...known) >= 4 * Math.min(...known)
}

/**
 * Which target each attempt of a stream takes, as the reference load tester places them.
 * Stream i starts on candidate i mod n unless it is quarantined; a retry takes a usable candidate
 * other than the one that just failed, spread by i div n so retries do not pile onto one
 * neighbour. When probe RTTs are heterogeneous, picks are weighted towards low-RTT targets
 * (weight max/rtt). Quarantined targets are skipped; when every candidate is quarantined the
 * stream still tries one (quarantine reorders, it never refuses to try). Pure: health and clock
 * are passed in.
 */
export class Placement {
  private readonly candidates: readonly number[]
  private readonly weights: Map<number, number> | undefined

  constructor(
    targets: number,
    private readonly options: PlacementOptions,
    private readonly health: HealthView,
  ) {
    if (!Number.isInteger(targets) || targets < 1)
      throw new RangeError(`targets must be >= 1, got ${targets}`)
    this.candidates = options.candidates ?? Array.from({ length: targets }, (_, i) => i)
    if (this.candidates.length === 0) throw new RangeError('placement needs at least one candidate target')
    this.weights = this.rttWeights(options.rttMs ?? [])
  }

  /** How many attempts a stream gets: one per candidate with poolFailover, else one. */
  get attempts(): number {
    return this.options.poolFailover ? this.candidates.length : 1
  }

  /** The target of attempt `attempt` of stream `stream`, given the target its previous attempt took. */
  target(stream: number, attempt: number, previous: number, now: number): number {
    const n = this.candidates.length
    const own = this.candidates[stream % n]!
    const spread = Math.floor(stream / n)
    // With every candidate quarantined, attempt k tries the k-th candidate of the ring from its own.
    const fallback = this.candidates[(stream + attempt) % n]!
    if (attempt === 0) {
      if (!this.options.poolFailover) return own
      const weighted = this.weighted(stream, -1, now)
      if (weighted !== undefined) return weighted
      if (!this.health.quarantined(own, now)) return own
      return this.spreadUsable(spread, -1, fallback, now)
    }
    return this.spreadUsable(spread + attempt - 1, previous, fallback, now)
  }

  /** Usable candidates (not quarantined, not `exclude`), in index order. */
  usable(exclude: number, now: number): number[] {
    return this.candidates.filter((i) => i !== exclude && !this.health.quarantined(i, now))
  }

  private spreadUsable(spread: number, exclude: number, fallback: number, now: number): number {
    const weighted = this.weighted(spread, exclude, now)
    if (weighted !== undefined) return weighted
    const usable = this.usable(exclude, now)
    return usable.length > 0 ? usable[spread % usable.length]! : fallback
  }

  /** With heterogeneous RTTs: slot `ordinal` of the usable candidates laid out by weight. */
  private weighted(ordinal: number, exclude: number, now: number): number | undefined {
    if (!this.weights) return undefined
    const usable = this.usable(exclude, now)
    if (usable.length === 0) return undefined
    const total = usable.reduce((sum, i) => sum + this.weights!.get(i)!, 0)
    let slot = ordinal % total
    for (const index of usable) {
      const weight = this.weights.get(index)!
      if (slot < weight) return index
      slot -= weight
    }
    return usable.at(-1)
  }

  private rttWeights(rttMs: readonly number[]): Map<number, number> | undefined {
    const known = this.candidates.map((i) => rttMs[i] ?? 0)
    if (!rttHeterogeneous(known)) return undefined
    const max = Math.max(...known.map((rtt) => Math.max(rtt, RTT_FLOOR_MS)))
    const weights = new Map<number, number>()
    for (const index of this.candidates) {
      const rtt = rttMs[index] ?? 0
      const weight = rtt > 0 ? Math.ceil(max / Math.max(rtt, RTT_FLOOR_MS)) : 1
      weights.set(index, Math.min(MAX_WEIGHT, Math.max(1, weight)))
    }
    return weights
  }
}
