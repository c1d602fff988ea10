import { formatMetric } from './metric-format.js'
import type { VerdictRule } from './rule.js'

/** More channels opened than stream attempts took routes (plus probes): channels opened outside the accounting. */
export const rule: VerdictRule = {
  name: 'channel_opens_exceed_route_acquires_and_probes',
  check: ({ channelOpens, routePressure, targetProbes }) => {
    const budget = routePressure.acquiredTotal + (targetProbes?.length ?? 0)
    if (!(routePressure.acquiredTotal > 0) || !(channelOpens > budget)) return []
    return [
      `channel_opens_exceed_route_acquires_and_probes=${formatMetric(channelOpens)}/${formatMetric(budget)}`,
    ]
  },
}
