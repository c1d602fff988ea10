import { formatMetric } from './metric-format.js'
import type { VerdictRule } from './rule.js'

/** Streams whose ACKs did not line up with the frames sent (missing, duplicate or out of order). */
export const rule: VerdictRule = {
  name: 'ack_mismatched_streams',
  check: (report) =>
    report.ackMismatchedStreams > 0
      ? [`ack_mismatched_streams=${formatMetric(report.ackMismatchedStreams)}`]
      : [],
}
