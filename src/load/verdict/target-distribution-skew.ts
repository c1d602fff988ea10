import { probesHeterogeneous, streamSpread } from './load-balanced-targets.js'
import type { VerdictRule } from './rule.js'

/** Successful streams per target spread wider than max(concurrency, successful / 4) (checkDistribution). */
export const rule: VerdictRule = {
  name: 'target_distribution_skew',
  check: (report) => {
    const spread = streamSpread(report)
    if (!spread || spread.used < spread.targets.length || probesHeterogeneous(report)) return []
    const allowed = Math.max(1, report.config.concurrency, Math.floor(report.successfulStreams / 4))
    const max = Math.max(...spread.values)
    const min = Math.min(...spread.values)
    return max - min > allowed ? [`target_distribution_skew=max_${max}_min_${min}_allowed_${allowed}`] : []
  },
}
