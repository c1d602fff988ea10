import { formatComparison, formatMetric } from '../load/verdict/metric-format.js'
import type { MatcherContext, MatcherResult } from './context.js'
import { matcherHeader } from './report-guard.js'

/** One latency figure checked against a limit, with the per-target figures behind it. */
export interface P95Limit {
  matcherName: string
  /** What the figure is, e.g. `ack p95`. */
  label: string
  limitMs: number
  receivedMs: number
  perTargetMs: Record<string, number>
  /** What the per-target figures are, when not the same as `label` (e.g. `max ack`). */
  perTargetLabel?: string
  /** When in the run the figure went over, with the event just before it (from the report's timeline). */
  story?: string
}

/** Shared result for the "stays under a p95" matchers: at or below the limit passes, like the verdict. */
export function p95LimitResult(context: MatcherContext, check: P95Limit): MatcherResult {
  const { utils } = context
  const pass = check.receivedMs <= check.limitMs
  // Shown like the verdict's reason strings: the limit as given, the figure rounded to its side of it.
  const [received, limit] = formatComparison(check.receivedMs, check.limitMs).map(Number)
  const targets = Object.entries(check.perTargetMs)
  const width = Math.max(0, ...targets.map(([url]) => url.length))
  const perTarget =
    targets.length === 0
      ? '  (no per-target figures)'
      : targets
          .map(([url, ms]) => {
            const over = ms > check.limitMs ? '  over the limit' : ''
            return `  ${url.padEnd(width)}  ${formatMetric(ms)} ms${over}`
          })
          .join('\n')
  return {
    pass,
    message: () =>
      `${matcherHeader(context, check.matcherName, 'ms')}\n\n` +
      `Expected ${check.label}: ${pass ? '> ' : '<='} ${utils.printExpected(limit)} ms\n` +
      `Received ${check.label}:    ${utils.printReceived(received)} ms\n\n` +
      `${check.perTargetLabel ?? check.label} per target:\n${perTarget}` +
      (!pass && check.story ? `\n\n${check.story}` : ''),
  }
}
