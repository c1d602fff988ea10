import type { VerdictRule } from './rule.js'

/**
 * impairTarget is set and slow-stream migration is on, yet the impaired target was never marked
 * degraded: the impairment the test applied was not seen (or not strong enough).
 */
export const rule: VerdictRule = {
  name: 'expected_degraded_target_not_observed',
  check: ({ config, degradedTargets }) => {
    const impaired = config.targets[config.impairTarget ?? -1]
    if (impaired === undefined || !config.migrateSlowStreams || !(config.maxAckMs > 0)) return []
    return impaired in (degradedTargets ?? {}) ? [] : ['expected_degraded_target_not_observed']
  },
}
