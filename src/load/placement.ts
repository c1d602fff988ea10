/** How placement treats failed targets. */
export interface PlacementOptions {
  /** Retry a failed stream on the next targets; off: a stream only ever tries its own target. */
  poolFailover: boolean
  /** How long (ms) a target that failed an attempt goes to the back of the order; 0 = never. */
  quarantineMs: number
}

/**
 * Which targets a stream tries, in which order: its own (stream mod targets) and, with
 * poolFailover, the ones after it, those in quarantine after a failed attempt moved to the back.
 * Quarantine reorders; it never refuses to try. Pure: the clock is passed in.
 */
export class Placement {
  private readonly downUntil: number[]

  constructor(
    private readonly targets: number,
    private readonly options: PlacementOptions,
  ) {
    if (!Number.isInteger(targets) || targets < 1)
      throw new RangeError(`targets must be >= 1, got ${targets}`)
    this.downUntil = new Array<number>(targets).fill(0)
  }

  /** Target indexes stream `stream` tries at time `now`, first choice first. */
  order(stream: number, now: number): number[] {
    const first = stream % this.targets
    if (!this.options.poolFailover) return [first]
    const rotation = Array.from({ length: this.targets }, (_, k) => (first + k) % this.targets)
    const usable = rotation.filter((i) => this.downUntil[i]! <= now)
    return usable.length === rotation.length
      ? rotation
      : [...usable, ...rotation.filter((i) => this.downUntil[i]! > now)]
  }

  /** An attempt on `target` failed at `now`: quarantine it. */
  failed(target: number, now: number): void {
    if (this.options.quarantineMs > 0) this.downUntil[target] = now + this.options.quarantineMs
  }

  /** An attempt on `target` succeeded: it leaves quarantine. */
  succeeded(target: number): void {
    this.downUntil[target] = 0
  }

  /** Whether `target` is in quarantine at `now`. */
  quarantined(target: number, now: number): boolean {
    return this.downUntil[target]! > now
  }
}
