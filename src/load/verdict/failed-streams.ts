import { formatMetric } from './metric-format.js'
import type { VerdictRule } from './rule.js'

/** Any stream that did not complete fails the run. */
export const rule: VerdictRule = {
  name: 'failed_streams',
  check: (report) =>
    report.failedStreams > 0 ? [`failed_streams=${formatMetric(report.failedStreams)}`] : [],
}
