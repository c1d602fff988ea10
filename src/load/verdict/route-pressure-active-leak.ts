import { formatMetric } from './metric-format.js'
import type { VerdictRule } from './rule.js'

/** Route acquisitions still held after the run: a stream exited without releasing its target. */
export const rule: VerdictRule = {
  name: 'route_pressure_active_leak',
  check: ({ routePressure }) => {
    // Either view counts: the per-target map can be non-empty even if the total nets to zero.
    if (routePressure.activeTotal === 0 && Object.keys(routePressure.active).length === 0) return []
    return [`route_pressure_active_leak=${formatMetric(routePressure.activeTotal)}`]
  },
}
