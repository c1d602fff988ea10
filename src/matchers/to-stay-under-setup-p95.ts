import type { MatcherContext, MatcherResult } from './context.js'
import { p95LimitResult } from './p95-limit.js'
import { isLoadReport, notALoadReport, requireLatencyLimitMs } from './report-guard.js'
import { whenOverLimit } from './timeline-story.js'

const NAME = 'toStayUnderSetupP95'

/** Passes when the run's stream setup p95 is at or under `ms`; prints each target's setup p95. */
export function toStayUnderSetupP95(this: MatcherContext, received: unknown, ms: number): MatcherResult {
  requireLatencyLimitMs(NAME, ms)
  if (!isLoadReport(received)) return notALoadReport(this, NAME, received, 'ms')
  const perTargetMs = Object.fromEntries(
    Object.entries(received.targetStats).map(([url, stats]) => [url, stats.setupP95Ms]),
  )
  return p95LimitResult(this, {
    matcherName: NAME,
    label: 'setup p95',
    limitMs: ms,
    receivedMs: received.setupLatencyP95Ms,
    perTargetMs,
    story: whenOverLimit(received, 'setupP95Ms', 'setup p95', ms),
  })
}
