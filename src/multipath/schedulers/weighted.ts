import type { PathView, Scheduler } from './types.js'

// A path with no measured goodput still gets this share of the best one's weight, so a path that
// has not carried traffic yet (or just came back) is measured instead of starved for good.
const FLOOR_SHARE = 0.1

/** Frames spread in proportion to each path's measured goodput (smooth weighted round-robin). */
export function weighted(): Scheduler {
  const credit = new Map<number, number>()
  return {
    name: 'weighted',
    pick(usable) {
      const top = Math.max(...usable.map((p) => p.goodputBps))
      const weightOf = (p: PathView) => (top > 0 ? Math.max(p.goodputBps, top * FLOOR_SHARE) : 1)
      let total = 0
      let best: PathView = usable[0]!
      let bestCredit = Number.NEGATIVE_INFINITY
      for (const path of usable) {
        const weight = weightOf(path)
        total += weight
        const next = (credit.get(path.index) ?? 0) + weight
        credit.set(path.index, next)
        if (next > bestCredit) {
          bestCredit = next
          best = path
        }
      }
      credit.set(best.index, bestCredit - total)
      return [best]
    },
  }
}
