import { formatComparison } from './metric-format.js'
import { thresholdOf, type VerdictRule } from './rule.js'

/** Control-stream ACK p95 (ms) above config.maxControlAckP95Ms; skipped when no control streams ran. */
export const rule: VerdictRule = {
  name: 'control_ack_p95_ms',
  check: (report) => {
    const limit = thresholdOf(report.config.maxControlAckP95Ms)
    if (limit === undefined || report.controlStreams <= 0 || !(report.controlAckP95Ms > limit)) return []
    const [shown, shownLimit] = formatComparison(report.controlAckP95Ms, limit)
    return [`control_ack_p95_ms=${shown} > ${shownLimit}`]
  },
}
