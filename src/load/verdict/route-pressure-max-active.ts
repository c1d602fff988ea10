import { formatMetric } from './metric-format.js'
import type { VerdictRule } from './rule.js'

/** More routes held at once than config.concurrency allows: the limiter let streams through. */
export const rule: VerdictRule = {
  name: 'route_pressure_max_active_total',
  check: ({ config: { concurrency }, routePressure: { maxActiveTotal } }) =>
    concurrency > 0 && maxActiveTotal > concurrency
      ? [
          `route_pressure_max_active_total=${formatMetric(maxActiveTotal)} > concurrency=${formatMetric(concurrency)}`,
        ]
      : [],
}
