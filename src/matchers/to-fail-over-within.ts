import { formatComparison, formatMetric } from '../load/verdict/metric-format.js'
import type { MatcherContext, MatcherResult } from './context.js'
import { isLoadReport, matcherHeader, notALoadReport, requireLatencyLimitMs } from './report-guard.js'

const NAME = 'toFailOverWithin'

/**
 * Passes when streams that failed over recovered within `ms` at p95 (failoverRecoveryP95Ms: from
 * the failed attempt's error to the stream's next acknowledged byte). A run where no stream failed
 * over fails it: there was no recovery to measure. Prints each sampled rerouted stream's figure.
 */
export function toFailOverWithin(this: MatcherContext, received: unknown, ms: number): MatcherResult {
  requireLatencyLimitMs(NAME, ms)
  if (!isLoadReport(received)) return notALoadReport(this, NAME, received, 'ms')
  const { utils } = this
  const samples = received.recoverySamples ?? []
  const figure = received.failoverRecoveryP95Ms ?? 0
  const failedOver = received.failoverEvents > 0 && samples.length > 0
  const pass = failedOver && figure <= ms
  const [shown, limit] = formatComparison(figure, ms).map(Number)
  const lines = samples.map(
    (s) =>
      `  stream ${s.stream}: ${s.from} -> ${s.to}  ${formatMetric(s.recoveryMs)} ms${s.recoveryMs > ms ? '  over the limit' : ''}`,
  )
  const body = failedOver
    ? `Expected failover recovery p95: ${pass ? '> ' : '<='} ${utils.printExpected(limit)} ms\n` +
      `Received failover recovery p95:    ${utils.printReceived(shown)} ms\n\n` +
      `${received.failoverEvents} failover(s); reroute latency p95 ${formatMetric(received.rerouteLatencyP95Ms ?? 0)} ms\n` +
      `Recovery of rerouted streams (first ${samples.length}):\n${lines.join('\n')}`
    : `Expected: streams failing over within ${utils.printExpected(ms)} ms\n` +
      `Received: ${utils.printReceived('no stream failed over')} (failoverEvents ${received.failoverEvents}), so there is no recovery to measure`
  return { pass, message: () => `${matcherHeader(this, NAME, 'ms')}\n\n${body}` }
}
