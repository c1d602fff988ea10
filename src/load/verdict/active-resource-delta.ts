import { thresholdOf, type VerdictRule } from './rule.js'

/** Active resources (handles, requests) grew by more than config.maxActiveResourceDelta over the run: a leak. */
export const rule: VerdictRule = {
  name: 'active_resource_delta',
  check: ({ config, resourceSummary }) => {
    const limit = thresholdOf(config.maxActiveResourceDelta)
    const delta = resourceSummary?.activeResourcesDelta ?? 0
    return limit !== undefined && delta > limit ? [`active_resource_delta=${delta} > ${limit}`] : []
  },
}
