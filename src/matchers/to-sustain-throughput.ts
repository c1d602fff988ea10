import { formatMetric } from '../load/verdict/metric-format.js'
import type { MatcherContext, MatcherResult } from './context.js'
import { isLoadReport, matcherHeader, notALoadReport } from './report-guard.js'

const NAME = 'toSustainThroughput'

/** Passes when the run's throughput is at least `mbps` megabits per second; prints the bytes per target. */
export function toSustainThroughput(this: MatcherContext, received: unknown, mbps: number): MatcherResult {
  if (typeof mbps !== 'number' || !Number.isFinite(mbps) || mbps <= 0) {
    throw new TypeError(
      `${NAME}(mbps): mbps must be a positive finite number of megabits per second, got ${String(mbps)}`,
    )
  }
  if (!isLoadReport(received)) return notALoadReport(this, NAME, received, 'mbps')
  const { utils } = this
  const got = received.throughputBps / 1e6
  const pass = got >= mbps
  const targets = Object.entries(received.targetStats)
  const width = Math.max(0, ...targets.map(([url]) => url.length))
  const total = Math.max(1, received.bytesSent)
  const perTarget = targets
    .map(([url, s]) => `  ${url.padEnd(width)}  ${s.bytes} bytes (${formatMetric((100 * s.bytes) / total)}%)`)
    .join('\n')
  return {
    pass,
    message: () =>
      `${matcherHeader(this, NAME, 'mbps')}\n\n` +
      `Expected throughput: ${pass ? '< ' : '>='} ${utils.printExpected(mbps)} Mbps\n` +
      `Received throughput:    ${utils.printReceived(Number(formatMetric(got)))} Mbps\n\n` +
      `${received.bytesSent} bytes acknowledged over ${received.successfulStreams}/${received.totalStreams} streams\n` +
      `Bytes per target:\n${perTarget || '  (no per-target figures)'}`,
  }
}
