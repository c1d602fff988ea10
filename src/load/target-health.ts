// Which targets are out of placement, shared by every worker of a run: one slot per target in a
// SharedArrayBuffer that the plan puts in each worker's task, so a target one worker saw fail is
// skipped by all of them (a structured clone of a SharedArrayBuffer shares its memory).

/** A view of target health placement reads: whether a target is out of placement at `now`. */
export interface HealthView {
  quarantined(target: number, now: number): boolean
}

/** The shared quarantine: per target, the epoch ms until which it stays out of placement. */
export class TargetHealth implements HealthView {
  private readonly until: BigInt64Array

  /** Memory for `targets` slots, to put in every worker's task. */
  static allocate(targets: number): SharedArrayBuffer {
    return new SharedArrayBuffer(8 * targets)
  }

  constructor(buffer: SharedArrayBuffer) {
    this.until = new BigInt64Array(buffer)
  }

  /** Keep `target` out of placement for `ttlMs` from `now` (never shortens a longer quarantine). */
  quarantine(target: number, now: number, ttlMs: number): void {
    if (ttlMs <= 0) return
    const until = BigInt(Math.ceil(now + ttlMs))
    for (;;) {
      const current = Atomics.load(this.until, target)
      if (current >= until) return
      if (Atomics.compareExchange(this.until, target, current, until) === current) return
    }
  }

  quarantined(target: number, now: number): boolean {
    return Number(Atomics.load(this.until, target)) > now
  }
}
