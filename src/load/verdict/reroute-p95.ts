import { formatComparison } from './metric-format.js'
import { thresholdOf, type VerdictRule } from './rule.js'

/** Reroute latency p95 (ms, the setup of rerouted attempts) above config.maxRerouteP95Ms. */
export const rule: VerdictRule = {
  name: 'reroute_p95_ms',
  check: (report) => {
    const limit = thresholdOf(report.config.maxRerouteP95Ms)
    const figure = report.rerouteLatencyP95Ms ?? 0
    if (limit === undefined || !(figure > limit)) return []
    const [shown, shownLimit] = formatComparison(figure, limit)
    return [`reroute_p95_ms=${shown} > ${shownLimit}`]
  },
}
