import { formatMetric } from './metric-format.js'
import type { VerdictRule } from './rule.js'

/** Channels (transport connections) left open at the end of the run. */
export const rule: VerdictRule = {
  name: 'channel_leaks',
  check: (report) =>
    report.channelLeaks !== 0 ? [`channel_leaks=${formatMetric(report.channelLeaks)}`] : [],
}
