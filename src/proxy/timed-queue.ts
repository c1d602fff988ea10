import { MAX_TIMER_MS } from '../errors/field-error.js'
import type { Item } from './impairment.js'

/** Items due earlier than this many ms from now go out at once: timers cannot do better anyway. */
const TOLERANCE_MS = 0.5

/**
 * Releases items at absolute due times, in order. Due times are absolute (performance.now()),
 * so timer lateness never accumulates over a long transfer.
 */
export class TimedQueue {
  private readonly items: Item[] = []
  private readonly dues: number[] = []
  private head = 0
  private timer: NodeJS.Timeout | undefined
  private lastDue = 0
  private released = false

  constructor(private readonly emit: (item: Item) => void) {}

  /** Queue an item for `due` (ms, performance.now() clock); never before an item queued earlier. */
  push(item: Item, due: number): void {
    const at = Math.max(due, this.lastDue)
    this.lastDue = at
    if (this.head === this.items.length && at <= performance.now() + TOLERANCE_MS) {
      this.emit(item)
      return
    }
    this.items.push(item)
    this.dues.push(at)
    if (!this.timer) this.arm(at)
  }

  /** The due time of the last queued item (or of the last passed one). */
  get tail(): number {
    return this.lastDue
  }

  /** Items waiting. */
  get size(): number {
    return this.items.length - this.head
  }

  /** Cancel the timer and return what is still waiting, oldest first. */
  release(): Item[] {
    this.released = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    const rest = this.items.slice(this.head)
    this.items.length = 0
    this.dues.length = 0
    this.head = 0
    return rest
  }

  private arm(at: number): void {
    // Clamped: jitter can push a due time past the longest timer; flush re-arms for what is not due.
    this.timer = setTimeout(
      this.flush,
      Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(at - performance.now()))),
    )
  }

  private readonly flush = (): void => {
    this.timer = undefined
    const now = performance.now() + TOLERANCE_MS
    while (!this.released && this.head < this.items.length && (this.dues[this.head] as number) <= now) {
      const item = this.items[this.head] as Item
      this.head++
      this.emit(item)
    }
    if (this.released) return
    if (this.head === this.items.length) {
      this.items.length = 0
      this.dues.length = 0
      this.head = 0
    } else {
      if (this.head > 1024) {
        this.items.splice(0, this.head)
        this.dues.splice(0, this.head)
        this.head = 0
      }
      this.arm(this.dues[this.head] as number)
    }
  }
}
