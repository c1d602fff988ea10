import { ROUTE_MODES } from '../config.js'
import type { VerdictRule } from './rule.js'

const SUPPORTED = new Set<string>(ROUTE_MODES)

/** Streams counted under a route mode outside direct, lan, ice, reverse, relay (a report from elsewhere). */
export const rule: VerdictRule = {
  name: 'compat_route_modes_observed',
  check: ({ targetStats }) => {
    const found: Record<string, number> = {}
    for (const stats of Object.values(targetStats)) {
      for (const [raw, count] of Object.entries(stats.routeModes ?? {})) {
        const mode = raw.trim().toLowerCase()
        if (!SUPPORTED.has(mode) && count > 0) found[mode] = (found[mode] ?? 0) + count
      }
    }
    const modes = Object.entries(found).map(([mode, count]) => `${mode}:${count}`)
    if (modes.length === 0) return []
    modes.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    return [`compat_route_modes_observed=${modes.join(',')}`]
  },
}
