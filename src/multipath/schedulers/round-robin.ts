import type { PathView, Scheduler } from './types.js'

/**
 * The usable paths take turns by bytes, whatever their round trip: aggregate bandwidth. Each
 * frame goes to the path given the fewest bytes since the set of usable paths last changed, so a
 * stream of alternating small and large writes does not put every large one on the same path.
 */
export function roundRobin(): Scheduler {
  const given = new Map<number, number>()
  let members = ''
  return {
    name: 'round-robin',
    pick(usable, bytes) {
      // A path that joins (or comes back) starts even with the others rather than owed a backlog.
      const key = usable.map((p) => p.index).join(',')
      if (key !== members) {
        given.clear()
        members = key
      }
      let best: PathView = usable[0]!
      for (const path of usable) if ((given.get(path.index) ?? 0) < (given.get(best.index) ?? 0)) best = path
      given.set(best.index, (given.get(best.index) ?? 0) + bytes)
      return [best]
    },
  }
}
