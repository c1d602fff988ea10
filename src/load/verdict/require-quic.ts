import type { VerdictRule } from './rule.js'

/** With config.requireQuic, every target must be a quic:// URL (a tcp:// fallback would hide QUIC bugs). */
export const rule: VerdictRule = {
  name: 'non_quic_targets',
  check: ({ config }) => {
    if (config.requireQuic !== true || config.targets.length === 0) return []
    const nonQuic = config.targets
      .map((target) => target.trim())
      .filter((target) => !target.toLowerCase().startsWith('quic://'))
    if (nonQuic.length === 0) return []
    // Code-unit order, like the reference's sort.Strings, so the reason is stable across locales.
    nonQuic.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    return [`non_quic_targets=${nonQuic.join(',')}`]
  },
}
