import type { MatcherContext, MatcherResult } from './context.js'
import { p95LimitResult } from './p95-limit.js'
import { isLoadReport, notALoadReport, requireLatencyLimitMs } from './report-guard.js'
import { whenOverLimit } from './timeline-story.js'

const NAME = 'toStayUnderAckP99'

/** Passes when the run's frame ACK p99 is at or under `ms`; prints each target's slowest ACK. */
export function toStayUnderAckP99(this: MatcherContext, received: unknown, ms: number): MatcherResult {
  requireLatencyLimitMs(NAME, ms)
  if (!isLoadReport(received)) return notALoadReport(this, NAME, received, 'ms')
  const perTargetMs = Object.fromEntries(
    Object.entries(received.targetStats).map(([url, stats]) => [url, stats.maxAckMs]),
  )
  return p95LimitResult(this, {
    matcherName: NAME,
    label: 'ack p99',
    perTargetLabel: 'max ack',
    limitMs: ms,
    receivedMs: received.ackP99Ms,
    perTargetMs,
    story: whenOverLimit(received, 'ackP99Ms', 'ack p99', ms),
  })
}
