import type { HealthView } from './target-health.js'

/** How placement treats failed targets. */
export interface PlacementOptions {
  /** Retry a failed stream on other targets; off: a stream only ever tries its own target. */
  poolFailover: boolean
}

/**
 * Which target each attempt of a stream takes, as the reference load tester places them.
 * Stream i starts on target i mod n unless that target is quarantined; a retry takes a usable
 * target other than the one that just failed, spread by i div n so retries do not pile onto one
 * neighbour. Quarantined targets are skipped; when every candidate is quarantined the stream
 * still tries one (quarantine reorders, it never refuses to try). Pure: health and clock are
 * passed in.
 */
export class Placement {
  constructor(
    private readonly targets: number,
    private readonly options: PlacementOptions,
    private readonly health: HealthView,
  ) {
    if (!Number.isInteger(targets) || targets < 1)
      throw new RangeError(`targets must be >= 1, got ${targets}`)
  }

  /** How many attempts a stream gets: one per target with poolFailover, else one. */
  get attempts(): number {
    return this.options.poolFailover ? this.targets : 1
  }

  /** The target of attempt `attempt` of stream `stream`, given the target its previous attempt took. */
  target(stream: number, attempt: number, previous: number, now: number): number {
    const own = stream % this.targets
    const spread = Math.floor(stream / this.targets)
    // With every candidate quarantined, attempt k tries the k-th target of the ring from its own.
    const fallback = (own + attempt) % this.targets
    if (attempt === 0) {
      if (!this.options.poolFailover || !this.health.quarantined(own, now)) return own
      return this.spreadUsable(spread, -1, fallback, now)
    }
    return this.spreadUsable(spread + attempt - 1, previous, fallback, now)
  }

  /** Usable targets (not quarantined, not `exclude`), in index order. */
  usable(exclude: number, now: number): number[] {
    const usable: number[] = []
    for (let i = 0; i < this.targets; i++) {
      if (i !== exclude && !this.health.quarantined(i, now)) usable.push(i)
    }
    return usable
  }

  private spreadUsable(spread: number, exclude: number, fallback: number, now: number): number {
    const usable = this.usable(exclude, now)
    return usable.length > 0 ? usable[spread % usable.length]! : fallback
  }
}
