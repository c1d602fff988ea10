import { formatMetric } from './metric-format.js'
import type { VerdictRule } from './rule.js'

/** ACKs whose checksum or byte count disagreed with the frame sent: data was corrupted. */
export const rule: VerdictRule = {
  name: 'ack_integrity_errors',
  check: (report) =>
    report.ackIntegrityErrors > 0 ? [`ack_integrity_errors=${formatMetric(report.ackIntegrityErrors)}`] : [],
}
