import { rule as routeCollapsed } from '../load/verdict/route-pressure-distribution-collapsed.js'
import { rule as routeSkew } from '../load/verdict/route-pressure-distribution-skew.js'
import { rule as byteSkew } from '../load/verdict/target-byte-distribution.js'
import { rule as streamCollapsed } from '../load/verdict/target-distribution-collapsed.js'
import { rule as streamSkew } from '../load/verdict/target-distribution-skew.js'
import type { MatcherContext, MatcherResult } from './context.js'
import { isLoadReport, matcherHeader, notALoadReport } from './report-guard.js'

const NAME = 'toSpreadEvenly'
const RULES = [streamCollapsed, streamSkew, byteSkew, routeCollapsed, routeSkew]

/**
 * Passes when the reference's distribution rules find nothing (streams, bytes and route pressure
 * per load-balanced target), whether or not the run had checkDistribution on. Prints each target's share.
 */
export function toSpreadEvenly(this: MatcherContext, received: unknown): MatcherResult {
  if (!isLoadReport(received)) return notALoadReport(this, NAME, received)
  const { utils } = this
  const checked = { ...received, config: { ...received.config, checkDistribution: true } }
  const reasons = RULES.flatMap((rule) => rule.check(checked))
  const pass = reasons.length === 0
  const targets = received.config.targets
  const width = Math.max(0, ...targets.map((url) => url.length))
  const lines = targets.map((url, i) => {
    const note =
      i === received.config.failTarget
        ? '  (failTarget: not expected to carry load)'
        : (received.excludedTargets ?? []).includes(url)
          ? '  (excluded by its probe)'
          : ''
    return `  ${url.padEnd(width)}  streams ${received.targetStreams[url] ?? 0}, bytes ${received.targetBytes[url] ?? 0}, max active ${received.routePressure.maxActive[url] ?? 0}${note}`
  })
  const standDown =
    (received.config.impairTarget ?? -1) >= 0 ? '\n(impairTarget is set: the rules stand down)' : ''
  return {
    pass,
    message: () =>
      `${matcherHeader(this, NAME)}\n\n` +
      (pass
        ? `Expected: ${utils.printExpected('an uneven spread')}\nReceived: ${utils.printReceived('an even spread')}${standDown}\n\n`
        : `Expected: ${utils.printExpected('an even spread')}\nReceived:\n${reasons.map((r) => `  - ${utils.printReceived(r)}`).join('\n')}\n\n`) +
      `Per target:\n${lines.join('\n')}`,
  }
}
