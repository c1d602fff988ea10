/**
 * Busy polling after traffic, shared by every proxy of a thread.
 *
 * A thread asleep in epoll_wait on an idle core of a virtual machine takes 100-250 µs to wake
 * when a packet arrives, which is most of a proxy's added round trip. For a short window after
 * a packet that turns a conversation around (a request answered, or the next request after an
 * answer) the event loop is kept polling (a chain of setImmediate callbacks makes libuv poll
 * with a zero timeout) instead of sleeping, so the reply that usually follows soon is forwarded
 * at once. Go's scheduler does the same for toxiproxy: it spins briefly before parking a thread.
 * A one-way bulk stream never turns, so it does not spin and takes no CPU from its peers. The
 * cost is bounded: at most the window of CPU time after the last turn, none while idle.
 */

import type { Way } from './impairment.js'

/** A TCP connection or UDP flow, as busy polling sees it: the way its last bytes travelled. */
export interface Conversation {
  lastWay: Way | undefined
}

/** The default window (µs): long enough for a reply from a local peer to come back. */
export const DEFAULT_BUSY_POLL_US = 200
/** The longest window accepted (µs). */
export const MAX_BUSY_POLL_US = 10_000

const users = new Map<object, number>()
let windowMs = 0
let touched = false
let quietSince = 0
let immediate: NodeJS.Immediate | undefined

function spin(): void {
  const now = performance.now()
  if (touched) {
    touched = false
    quietSince = now
  }
  immediate = now - quietSince < windowMs ? setImmediate(spin) : undefined
}

function recompute(): void {
  windowMs = 0
  for (const us of users.values()) windowMs = Math.max(windowMs, us / 1000)
  if (windowMs === 0 && immediate !== undefined) {
    clearImmediate(immediate)
    immediate = undefined
  }
}

/** One proxy's share of the busy-poll loop. */
export class BusyPoll {
  private readonly enabled: boolean

  constructor(windowUs: number) {
    this.enabled = windowUs > 0
    if (this.enabled) {
      users.set(this, windowUs)
      recompute()
    }
  }

  /** Bytes arrived on a conversation; if they turned it around, keep polling for the window from now. */
  arrived(conversation: Conversation, way: Way): void {
    if (conversation.lastWay === way) return
    conversation.lastWay = way
    if (!this.enabled) return
    touched = true
    if (immediate === undefined) {
      quietSince = performance.now()
      immediate = setImmediate(spin)
    }
  }

  /** The proxy closed: its window no longer counts, and the loop stops once no proxy needs it. */
  release(): void {
    if (users.delete(this)) recompute()
  }
}
