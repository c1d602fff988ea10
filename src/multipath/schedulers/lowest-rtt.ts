import type { PathView, Scheduler } from './types.js'

/** The path with the lowest smoothed round trip (the reference's only policy); ties go to the lower index. */
export function lowestRtt(): Scheduler {
  return {
    name: 'lowest-rtt',
    pick(usable) {
      let best: PathView = usable[0]!
      for (const path of usable) if (path.rttMs < best.rttMs) best = path
      return [best]
    },
  }
}
