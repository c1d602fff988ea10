import { loadBalancedTargets } from './load-balanced-targets.js'
import { formatComparison } from './metric-format.js'
import { thresholdOf, type VerdictRule } from './rule.js'

/** A healthy (load-balanced) target's slowest ACK above config.maxTargetAckMs; off when a target is impaired on purpose. */
export const rule: VerdictRule = {
  name: 'target_ack_ms',
  check: (report) => {
    const limit = thresholdOf(report.config.maxTargetAckMs)
    if (limit === undefined || (report.config.impairTarget ?? -1) >= 0) return []
    return loadBalancedTargets(report).flatMap((target) => {
      const stats = report.targetStats[target]
      if (!stats || stats.streams === 0 || !(stats.maxAckMs > limit)) return []
      const [shown, shownLimit] = formatComparison(stats.maxAckMs, limit)
      return [`target_ack_ms=${target}:${shown}>${shownLimit}`]
    })
  },
}
