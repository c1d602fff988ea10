import type { MatcherContext, MatcherResult } from './context.js'
import { errorLines, isLoadReport, matcherHeader, notALoadReport } from './report-guard.js'

const NAME = 'toPassVerdict'
/** Passes when the report's verdict is `pass`; on failure prints every verdict reason and the top errors. */
export function toPassVerdict(this: MatcherContext, received: unknown): MatcherResult {
  if (!isLoadReport(received)) return notALoadReport(this, NAME, received)
  const { utils } = this
  const report = received
  const pass = report.verdict === 'pass' && report.verdictReasons.length === 0
  const reasons =
    report.verdictReasons.length === 0
      ? '  (none)'
      : report.verdictReasons.map((reason) => `  - ${reason}`).join('\n')
  const errors = errorLines(report)
  const summary =
    `streams ${report.successfulStreams}/${report.totalStreams} ok, ${report.failedStreams} failed; ` +
    `bytes acknowledged ${report.bytesSent}`
  return {
    pass,
    message: () =>
      `${matcherHeader(this, NAME)}\n\n` +
      `Expected verdict: ${pass ? 'not ' : ''}${utils.printExpected('pass')}\n` +
      `Received verdict: ${pass ? '    ' : ''}${utils.printReceived(report.verdict)}\n\n` +
      `Verdict reasons:\n${reasons}\n\n` +
      `Run: ${summary}` +
      (errors.length > 0 ? `\nErrors:\n${errors.join('\n')}` : ''),
  }
}
