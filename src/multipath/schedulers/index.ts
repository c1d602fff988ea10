import { lowestRtt } from './lowest-rtt.js'
import { redundant } from './redundant.js'
import { roundRobin } from './round-robin.js'
import type { Scheduler } from './types.js'
import { weighted } from './weighted.js'

export type { PathView, Scheduler } from './types.js'

/** The schedulers by name; each connection gets its own instance (they keep turn state). */
export const SCHEDULERS = {
  'lowest-rtt': lowestRtt,
  'round-robin': roundRobin,
  redundant,
  weighted,
} as const satisfies Record<string, () => Scheduler>

/** A scheduler's name. */
export type SchedulerName = keyof typeof SCHEDULERS

/** Every scheduler name, for checks and error messages. */
export const SCHEDULER_NAMES = Object.keys(SCHEDULERS) as SchedulerName[]

/** True when `name` is a scheduler. */
export function isSchedulerName(name: unknown): name is SchedulerName {
  return typeof name === 'string' && Object.hasOwn(SCHEDULERS, name)
}
