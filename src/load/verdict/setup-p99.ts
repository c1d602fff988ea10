import { formatComparison } from './metric-format.js'
import { thresholdOf, type VerdictRule } from './rule.js'

/** Stream setup p99 (ms) above config.maxSetupP99Ms. */
export const rule: VerdictRule = {
  name: 'setup_p99_ms',
  check: (report) => {
    const limit = thresholdOf(report.config.maxSetupP99Ms)
    if (limit === undefined || !(report.setupLatencyP99Ms > limit)) return []
    const [shown, shownLimit] = formatComparison(report.setupLatencyP99Ms, limit)
    return [`setup_p99_ms=${shown} > ${shownLimit}`]
  },
}
