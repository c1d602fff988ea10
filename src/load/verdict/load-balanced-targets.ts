// What the distribution rules share: which targets should carry an even share, and when the
// rules stand down, as the reference's loadBalancedVerdictTargets and probe heterogeneity.
import { rttHeterogeneous } from '../placement.js'
import type { VerdictInput } from './rule.js'

/** Targets expected to share the load: all but failTarget and the probe's excluded targets. */
export function loadBalancedTargets(report: VerdictInput): string[] {
  const excluded = new Set(report.excludedTargets ?? [])
  return report.config.targets.filter(
    (target, index) => target.trim() !== '' && index !== report.config.failTarget && !excluded.has(target),
  )
}

/** Whether the distribution rules apply: asked for (checkDistribution) and no target impaired on purpose. */
export function distributionChecked(report: VerdictInput): boolean {
  return report.config.checkDistribution === true && !((report.config.impairTarget ?? -1) >= 0)
}

/** Whether usable probe RTTs are heterogeneous, when placement prefers fast targets on purpose. */
export function probesHeterogeneous(report: VerdictInput): boolean {
  return rttHeterogeneous((report.targetProbes ?? []).filter((p) => p.usable).map((p) => p.rttMs))
}

/** A per-target figure over the load-balanced targets, and how many targets have any. */
export interface Spread {
  targets: string[]
  values: number[]
  used: number
}

/** Successful streams per load-balanced target, when the distribution rules apply to the report. */
export function streamSpread(report: VerdictInput): Spread | undefined {
  const targets = loadBalancedTargets(report)
  if (!distributionChecked(report) || targets.length <= 1 || report.successfulStreams < targets.length) return
  return spreadOf(targets, (target) => report.targetStreams[target] ?? 0)
}

/** Most routes held at once per load-balanced target, when the distribution rules apply. */
export function routeSpread(report: VerdictInput): Spread | undefined {
  const targets = loadBalancedTargets(report)
  if (!distributionChecked(report) || targets.length <= 1 || report.config.concurrency <= 1) return
  if (!(report.routePressure.maxActiveTotal > 0)) return
  return spreadOf(targets, (target) => report.routePressure.maxActive[target] ?? 0)
}

function spreadOf(targets: string[], figure: (target: string) => number): Spread {
  const values = targets.map(figure)
  return { targets, values, used: values.filter((n) => n > 0).length }
}
