import { thresholdOf, type VerdictRule } from './rule.js'

/** The process held more than config.maxOpenFds open file descriptors at some sample. */
export const rule: VerdictRule = {
  name: 'open_fds_max',
  check: ({ config, resourceSummary }) => {
    const limit = thresholdOf(config.maxOpenFds)
    if (limit === undefined || !resourceSummary || resourceSummary.openFdsMax < 0) return []
    const max = resourceSummary.openFdsMax
    return max > limit ? [`open_fds_max=${max} > ${limit}`] : []
  },
}
