// Cuts every delivery attempt in flight when the relay is killed. Joining and leaving are O(1): an
// AbortSignal walks its whole listener list on every add and remove, and a busy relay has hundreds
// of attempts listening at once.

/** One kill of a relay: attempts join it while they run and are cut when it fires. */
export class KillSwitch {
  private readonly cuts = new Set<() => void>()
  private fired = false

  /** True once the switch fired: an attempt that finds it so cuts its own connection. */
  get killed(): boolean {
    return this.fired
  }

  /** Calls `cut` when the switch fires; the returned function leaves without it being called. */
  join(cut: () => void): () => void {
    this.cuts.add(cut)
    return () => void this.cuts.delete(cut)
  }

  /** Cuts every attempt that joined, once. */
  fire(): void {
    if (this.fired) return
    this.fired = true
    const cuts = [...this.cuts]
    this.cuts.clear()
    for (const cut of cuts) cut()
  }
}
