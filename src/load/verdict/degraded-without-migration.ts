import type { VerdictRule } from './rule.js'

/** With migrateSlowStreams on, targets were marked degraded but no stream ever moved off one. */
export const rule: VerdictRule = {
  name: 'degraded_targets_without_migration',
  check: ({ config, degradedTargets, migrationEvents }) =>
    config.migrateSlowStreams && Object.keys(degradedTargets ?? {}).length > 0 && !(migrationEvents > 0)
      ? ['degraded_targets_without_migration']
      : [],
}
