import { formatMetric } from './metric-format.js'
import type { VerdictRule } from './rule.js'

/** Every channel opened must be closed. */
export const rule: VerdictRule = {
  name: 'channel_open_close_mismatch',
  check: ({ channelOpens, channelCloses }) =>
    channelOpens === channelCloses
      ? []
      : [`channel_open_close_mismatch=${formatMetric(channelOpens)}/${formatMetric(channelCloses)}`],
}
