import { formatComparison } from './metric-format.js'
import { thresholdOf, type VerdictRule } from './rule.js'

/** Channel opens+closes per second below config.minChannelChurnPerSec (short-session runs). */
export const rule: VerdictRule = {
  name: 'channel_churn_per_sec',
  check: (report) => {
    const min = thresholdOf(report.config.minChannelChurnPerSec)
    if (min === undefined || !(report.channelChurnPerSec < min)) return []
    const [shown, shownLimit] = formatComparison(report.channelChurnPerSec, min)
    return [`channel_churn_per_sec=${shown} < ${shownLimit}`]
  },
}
