import type { VerdictRule } from './rule.js'

const REQUIRED = ['lan', 'ice', 'reverse', 'relay'] as const

/**
 * With a NAT topology profile over 4+ targets and no target failed, impaired or excluded on
 * purpose: some of lan, ice, reverse, relay carried no successful stream.
 */
export const rule: VerdictRule = {
  name: 'route_mode_coverage_missing',
  check: ({ config, successfulStreams, targetStats, excludedTargets }) => {
    const profile = (config.topologyProfile ?? '').trim().toLowerCase()
    if (profile !== 'nat-lan-relay' && profile !== 'mixed-public-nat-lan-relay') return []
    if (config.targets.length < 4 || successfulStreams < config.targets.length) return []
    if (config.failTarget >= 0 || (config.impairTarget ?? -1) >= 0 || (excludedTargets ?? []).length > 0)
      return []
    const observed: Record<string, number> = {}
    for (const stats of Object.values(targetStats)) {
      for (const [mode, count] of Object.entries(stats.routeModes ?? {}))
        observed[mode] = (observed[mode] ?? 0) + count
    }
    const missing = REQUIRED.filter((mode) => !((observed[mode] ?? 0) > 0))
    return missing.length > 0 ? [`route_mode_coverage_missing=${missing.join(',')}`] : []
  },
}
