import { formatComparison } from './metric-format.js'
import { thresholdOf, type VerdictRule } from './rule.js'

/** Frame ACK p95 (ms) above config.maxAckP95Ms. */
export const rule: VerdictRule = {
  name: 'ack_p95_ms',
  check: (report) => {
    const limit = thresholdOf(report.config.maxAckP95Ms)
    if (limit === undefined || !(report.ackP95Ms > limit)) return []
    const [shown, shownLimit] = formatComparison(report.ackP95Ms, limit)
    return [`ack_p95_ms=${shown} > ${shownLimit}`]
  },
}
