import type { Scheduler } from './types.js'

/** Frames take the usable paths in turn, whatever their round trip: aggregate bandwidth. */
export function roundRobin(): Scheduler {
  let turn = 0
  return {
    name: 'round-robin',
    pick(usable) {
      const path = usable[turn % usable.length]!
      turn = (turn + 1) % 1_000_000
      return [path]
    },
  }
}
