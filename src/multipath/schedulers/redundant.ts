import type { Scheduler } from './types.js'

/** Every frame on every usable path, as MPTCP's redundant scheduler: the fastest copy wins. */
export function redundant(): Scheduler {
  return { name: 'redundant', pick: (usable) => [...usable] }
}
