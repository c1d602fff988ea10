import { streamSpread } from './load-balanced-targets.js'
import type { VerdictRule } from './rule.js'

/** A load-balanced target carried no successful stream (checkDistribution). */
export const rule: VerdictRule = {
  name: 'target_distribution_collapsed',
  check: (report) => {
    const spread = streamSpread(report)
    if (!spread || spread.used === spread.targets.length) return []
    return [`target_distribution_collapsed=${spread.used}/${spread.targets.length}_targets_used`]
  },
}
