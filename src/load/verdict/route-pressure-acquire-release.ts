import { formatMetric } from './metric-format.js'
import type { VerdictRule } from './rule.js'

/** Every route acquire must have exactly one release. */
export const rule: VerdictRule = {
  name: 'route_pressure_acquire_release_mismatch',
  check: ({ routePressure: { acquiredTotal, releasedTotal } }) =>
    acquiredTotal === releasedTotal
      ? []
      : [
          `route_pressure_acquire_release_mismatch=${formatMetric(acquiredTotal)}/${formatMetric(releasedTotal)}`,
        ],
}
