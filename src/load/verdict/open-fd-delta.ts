import { thresholdOf, type VerdictRule } from './rule.js'

/** Open file descriptors grew by more than config.maxOpenFdDelta over the run (where they can be counted). */
export const rule: VerdictRule = {
  name: 'open_fd_delta',
  check: ({ config, resourceSummary }) => {
    const limit = thresholdOf(config.maxOpenFdDelta)
    if (limit === undefined || !resourceSummary || resourceSummary.openFdsStart < 0) return []
    const delta = resourceSummary.openFdsDelta
    return delta > limit ? [`open_fd_delta=${delta} > ${limit}`] : []
  },
}
