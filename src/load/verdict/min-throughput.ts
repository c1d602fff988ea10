import { formatComparison } from './metric-format.js'
import { thresholdOf, type VerdictRule } from './rule.js'

/** Throughput (bits/s) below config.minThroughputMbps (megabits/s, 1 Mbps = 1e6 bps). */
export const rule: VerdictRule = {
  name: 'throughput_bps',
  check: (report) => {
    const minMbps = thresholdOf(report.config.minThroughputMbps)
    if (minMbps === undefined) return []
    const minBps = minMbps * 1_000_000
    if (!(report.throughputBps < minBps)) return []
    const [shown, shownLimit] = formatComparison(report.throughputBps, minBps)
    return [`throughput_bps=${shown} < ${shownLimit}`]
  },
}
