import { routeSpread } from './load-balanced-targets.js'
import type { VerdictRule } from './rule.js'

/** A load-balanced target never held a route (checkDistribution). */
export const rule: VerdictRule = {
  name: 'route_pressure_distribution_collapsed',
  check: (report) => {
    const spread = routeSpread(report)
    if (!spread || spread.used === spread.targets.length) return []
    return [`route_pressure_distribution_collapsed=${spread.used}/${spread.targets.length}_targets_used`]
  },
}
