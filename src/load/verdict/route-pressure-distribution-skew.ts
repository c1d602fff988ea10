import { probesHeterogeneous, routeSpread } from './load-balanced-targets.js'
import type { VerdictRule } from './rule.js'

/** Most routes held at once per target spread wider than concurrency / 2 (checkDistribution). */
export const rule: VerdictRule = {
  name: 'route_pressure_distribution_skew',
  check: (report) => {
    const spread = routeSpread(report)
    if (!spread || spread.used < spread.targets.length || probesHeterogeneous(report)) return []
    const allowed = Math.max(1, Math.floor(report.config.concurrency / 2))
    const max = Math.max(...spread.values)
    const min = Math.min(...spread.values)
    return max - min > allowed
      ? [`route_pressure_distribution_skew=max_${max}_min_${min}_allowed_${allowed}`]
      : []
  },
}
