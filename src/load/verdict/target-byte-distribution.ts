import { distributionChecked, loadBalancedTargets, probesHeterogeneous } from './load-balanced-targets.js'
import type { VerdictRule } from './rule.js'

/** Bytes per load-balanced target spread wider than max(average / 4, concurrency x bytesPerStream). */
export const rule: VerdictRule = {
  name: 'target_byte_distribution_skew',
  check: (report) => {
    const targets = loadBalancedTargets(report)
    if (!distributionChecked(report) || targets.length <= 1) return []
    if (report.successfulStreams < targets.length || !(report.bytesSent > 0)) return []
    const bytes = targets.map((target) => report.targetBytes[target] ?? 0)
    if (bytes.some((n) => n === 0) || probesHeterogeneous(report)) return []
    const average = Math.floor(report.bytesSent / targets.length)
    const allowed = Math.max(
      1,
      Math.floor(average / 4),
      report.config.concurrency * report.config.bytesPerStream,
    )
    const max = Math.max(...bytes)
    const min = Math.min(...bytes)
    return max - min > allowed
      ? [`target_byte_distribution_skew=max_${max}_min_${min}_allowed_${allowed}`]
      : []
  },
}
