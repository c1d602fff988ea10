import type { MatcherContext, MatcherResult } from './context.js'
import { p95LimitResult } from './p95-limit.js'
import { isLoadReport, notALoadReport, requireLatencyLimitMs } from './report-guard.js'
import { whenOverLimit } from './timeline-story.js'

const NAME = 'toStayUnderAckP95'

/** Passes when the run's frame ACK p95 is at or under `ms`; prints each target's ACK p95. */
export function toStayUnderAckP95(this: MatcherContext, received: unknown, ms: number): MatcherResult {
  requireLatencyLimitMs(NAME, ms)
  if (!isLoadReport(received)) return notALoadReport(this, NAME, received, 'ms')
  const perTargetMs = Object.fromEntries(
    Object.entries(received.targetStats).map(([url, stats]) => [url, stats.ackP95Ms]),
  )
  return p95LimitResult(this, {
    matcherName: NAME,
    label: 'ack p95',
    limitMs: ms,
    receivedMs: received.ackP95Ms,
    perTargetMs,
    story: whenOverLimit(received, 'ackP95Ms', 'ack p95', ms),
  })
}
