import { formatComparison } from './metric-format.js'
import { thresholdOf, type VerdictRule } from './rule.js'

/** Reroute latency p99 (ms, the setup of rerouted attempts) above config.maxRerouteP99Ms. */
export const rule: VerdictRule = {
  name: 'reroute_p99_ms',
  check: (report) => {
    const limit = thresholdOf(report.config.maxRerouteP99Ms)
    const figure = report.rerouteLatencyP99Ms ?? 0
    if (limit === undefined || !(figure > limit)) return []
    const [shown, shownLimit] = formatComparison(figure, limit)
    return [`reroute_p99_ms=${shown} > ${shownLimit}`]
  },
}
