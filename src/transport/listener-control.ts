// Stop, kill and restart of a server's listener (a fabric node, a relay's peer): one at a time, in
// the order they were called, and taking the server's sessions down with the listener.
import type { Listener } from './types.js'

/** What a server does around its listener's changes. */
export interface ListenerHooks {
  /** Listens again (same port, same identity). */
  bind(): Promise<Listener>
  /** The listener is going down; called before it closes, so an event is stamped with the cause. */
  down(listener: Listener, abrupt: boolean): void
  /** A restart bound a new listener. */
  up(listener: Listener): void
}

/** The listener of a running server and its lifecycle. */
export class ListenerControl {
  private pending: Promise<void> = Promise.resolve()

  constructor(
    private current: Listener | undefined,
    private readonly sessions: Set<{ destroy(): void }>,
    private readonly hooks: ListenerHooks,
  ) {}

  /** The listener while the server runs; undefined once stopped or killed. */
  get listener(): Listener | undefined {
    return this.current
  }

  /** Graceful stop: connections end in order, then the listener closes. */
  stop(): Promise<void> {
    return this.serial(() => this.shut(false))
  }

  /** Abrupt stop, as a crash: every session is dropped with no goodbye. */
  kill(): Promise<void> {
    return this.serial(() => this.shut(true))
  }

  /** Stops (if running) and listens again. */
  restart(): Promise<void> {
    return this.serial(async () => {
      await this.shut(false)
      this.current = await this.hooks.bind()
      this.hooks.up(this.current)
    })
  }

  private serial(step: () => Promise<void>): Promise<void> {
    this.pending = this.pending.then(step, step)
    return this.pending
  }

  private async shut(abrupt: boolean): Promise<void> {
    const current = this.current
    if (!current) return
    this.current = undefined
    this.hooks.down(current, abrupt)
    if (abrupt) {
      for (const session of this.sessions) session.destroy()
      await current.kill()
    } else {
      await current.close()
    }
    this.sessions.clear()
  }
}
