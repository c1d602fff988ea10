import { formatComparison } from './metric-format.js'
import { thresholdOf, type VerdictRule } from './rule.js'

/** Frame ACK p99 (ms) above config.maxAckP99Ms. */
export const rule: VerdictRule = {
  name: 'ack_p99_ms',
  check: (report) => {
    const limit = thresholdOf(report.config.maxAckP99Ms)
    if (limit === undefined || !(report.ackP99Ms > limit)) return []
    const [shown, shownLimit] = formatComparison(report.ackP99Ms, limit)
    return [`ack_p99_ms=${shown} > ${shownLimit}`]
  },
}
