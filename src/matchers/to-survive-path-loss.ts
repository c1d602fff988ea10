import { describeValue } from '../errors/field-error.js'
import type { LoadReport } from '../load/types.js'
import type { MatcherContext, MatcherResult } from './context.js'
import { multipathConnections } from './multipath-stats.js'
import { errorLines, isLoadReport, matcherHeader, notALoadReport } from './report-guard.js'

const NAME = 'toSurvivePathLoss'

/** Options of toSurvivePathLoss. */
export interface SurvivePathLossOptions {
  /** Longest time (ms) the sender may wait for any ACK while frames are out. */
  maxStallMs: number
}

/**
 * Passes when a multipath load lost a path and still lost nothing: every stream succeeded, some
 * subflow failed under it, and no connection went longer than maxStallMs without an ACK.
 */
export function toSurvivePathLoss(
  this: MatcherContext,
  received: unknown,
  options: SurvivePathLossOptions,
): MatcherResult {
  const maxStallMs = (options as Partial<SurvivePathLossOptions> | undefined)?.maxStallMs
  if (typeof maxStallMs !== 'number' || !Number.isFinite(maxStallMs) || maxStallMs <= 0) {
    throw new TypeError(
      `${NAME}: maxStallMs must be a positive number of milliseconds, got ${describeValue(maxStallMs)}`,
    )
  }
  if (!isLoadReport(received)) return notALoadReport(this, NAME, received, '{ maxStallMs }')
  const report: LoadReport = received
  const connections = multipathConnections(report)
  const stall = Math.max(0, ...connections.map((c) => c.longestAckGapMs))
  const failures = connections.reduce((n, c) => n + c.paths.reduce((m, p) => m + p.failures, 0), 0)
  const findings: string[] = []
  if (connections.length === 0)
    findings.push('the report has no multipath connection (transportSnapshot.multipath)')
  if (report.failedStreams > 0) findings.push(`${report.failedStreams} stream(s) failed`)
  if (connections.length > 0 && failures === 0)
    findings.push('no path was lost: no subflow failed during the run')
  if (stall > maxStallMs) findings.push(`the longest ACK gap was ${stall} ms, over ${maxStallMs} ms`)
  const pass = findings.length === 0
  const paths = connections.flatMap((c) =>
    c.paths.map(
      (p) =>
        `  ${p.label}: ${p.failures} failure(s), ${p.redials} redial(s), ${p.retransmitted} resent frame(s)`,
    ),
  )
  return {
    pass,
    message: () =>
      `${matcherHeader(this, NAME, '{ maxStallMs }')}\n\n` +
      (pass
        ? `Expected: ${this.utils.printExpected('a lost byte, a failed stream or a longer stall')}\nReceived: ${this.utils.printReceived(`longest ACK gap ${stall} ms, ${failures} subflow failure(s), every stream succeeded`)}`
        : `Expected: ${this.utils.printExpected(`a path lost, nothing else: every stream succeeded, ACK gap <= ${maxStallMs} ms`)}\nReceived:\n${findings.map((f) => `  - ${this.utils.printReceived(f)}`).join('\n')}`) +
      (paths.length > 0 ? `\n\nPaths:\n${paths.join('\n')}` : '') +
      (report.failedStreams > 0 ? `\n\nErrors:\n${errorLines(report).join('\n')}` : ''),
  }
}
