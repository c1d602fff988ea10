import { FieldError } from '../errors/field-error.js'
import type { TrafficReport } from '../traffic/report.js'
import type { MatcherContext, MatcherResult } from './context.js'
import { matcherHeader } from './report-guard.js'
import { connectionLines, notATrafficReport, trafficReportProblem } from './traffic-guard.js'

const NAME = 'toStayUnderRetransmits'

/** Passes when the kernel counted at most `max` retransmits; fails either way when none could be read. */
export function toStayUnderRetransmits(this: MatcherContext, received: unknown, max: number): MatcherResult {
  if (!Number.isInteger(max) || max < 0) throw new FieldError('max', max, 'an integer >= 0')
  if (trafficReportProblem(received) !== undefined)
    return notATrafficReport(this, NAME, received, String(max))
  const report = received as TrafficReport
  if (report.Retransmits === null) {
    // No figure is not zero: neither direction may pass on a figure the kernel never gave.
    return {
      pass: this.isNot === true,
      message: () =>
        `${matcherHeader(this, NAME, String(max))}\n\n` +
        `The report has no retransmit figure: ${report.retransmitsReason ?? 'no reason given'}`,
    }
  }
  const pass = report.Retransmits <= max
  const worst = [...report.ConnStats]
    .filter((c) => (c.Retransmits ?? 0) > 0)
    .sort((a, b) => (b.Retransmits ?? 0) - (a.Retransmits ?? 0))
  const conns = connectionLines(
    worst,
    (c) => `${c.Retransmits} retransmit(s)${c.Err ? `, failed: ${c.Err}` : ''}`,
  )
  return {
    pass,
    message: () =>
      `${matcherHeader(this, NAME, String(max))}\n\n` +
      `Expected: ${this.utils.printExpected(pass ? `more than ${max} retransmits` : `at most ${max} retransmits`)}\n` +
      `Received: ${this.utils.printReceived(`${report.Retransmits} retransmits over ${report.ConnStats.length} connection(s)`)}` +
      (report.retransmitsUnread > 0
        ? `\n(${report.retransmitsUnread} connection(s) ended before the kernel's figure was read and are not counted)`
        : '') +
      (conns.length > 0 ? `\n\nConnections concerned:\n${conns.join('\n')}` : ''),
  }
}
