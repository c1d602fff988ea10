import { formatMetric } from './metric-format.js'
import type { VerdictRule } from './rule.js'

/** A successful stream must have acquired a route: fewer acquires means bookkeeping was skipped. */
export const rule: VerdictRule = {
  name: 'route_pressure_missing_acquires',
  check: ({ successfulStreams, routePressure: { acquiredTotal } }) =>
    successfulStreams > 0 && acquiredTotal < successfulStreams
      ? [
          `route_pressure_missing_acquires=${formatMetric(acquiredTotal)} < successful_streams=${formatMetric(successfulStreams)}`,
        ]
      : [],
}
