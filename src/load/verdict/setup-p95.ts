import { formatComparison } from './metric-format.js'
import { thresholdOf, type VerdictRule } from './rule.js'

/** Stream setup p95 (ms) above config.maxSetupP95Ms. */
export const rule: VerdictRule = {
  name: 'setup_p95_ms',
  check: (report) => {
    const limit = thresholdOf(report.config.maxSetupP95Ms)
    if (limit === undefined || !(report.setupLatencyP95Ms > limit)) return []
    const [shown, shownLimit] = formatComparison(report.setupLatencyP95Ms, limit)
    return [`setup_p95_ms=${shown} > ${shownLimit}`]
  },
}
