import { FieldError } from '../errors/field-error.js'
import type { TrafficReport } from '../traffic/report.js'
import type { MatcherContext, MatcherResult } from './context.js'
import { matcherHeader } from './report-guard.js'
import { notATrafficReport, secondLines, trafficReportProblem } from './traffic-guard.js'

const NAME = 'toRecoverWithin'

/** Passes when every disturbance of the run recovered within `ms` (see TrafficReport.recoveryMs). */
export function toRecoverWithin(this: MatcherContext, received: unknown, ms: number): MatcherResult {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0)
    throw new FieldError('ms', ms, 'a number >= 0')
  if (trafficReportProblem(received) !== undefined) return notATrafficReport(this, NAME, received, String(ms))
  const report = received as TrafficReport
  const slow = report.disturbances.filter((d) => d.recoveryMs === null || d.recoveryMs > ms)
  const pass = report.disturbances.length > 0 && slow.length === 0
  const perDisturbance = report.disturbances.map(
    (d) =>
      `  ${d.name} at ${d.atMs} ms: ${d.recoveryMs === null ? 'never recovered before the run ended' : `recovered in ${d.recoveryMs} ms`}`,
  )
  // Only whole seconds inside the traffic's window are judged: connections end with it.
  const seconds = secondLines(report, (s) =>
    s.at + s.ms <= report.window.endMs &&
    ((s.dropped ?? 0) > 0 || (s.failedConnections ?? 0) > 0 || (s.active ?? 0) < report.Connections)
      ? `${s.active ?? 0}/${report.Connections} active, ${s.connecting ?? 0} connecting, sent ${s.sent ?? 0}, dropped ${s.dropped ?? 0}, ${s.failedConnections ?? 0} failed`
      : undefined,
  )
  return {
    pass,
    message: () =>
      `${matcherHeader(this, NAME, String(ms))}\n\n` +
      (report.disturbances.length === 0
        ? 'The run had no disturbances: give traffic.run a disturb list'
        : `Expected: ${this.utils.printExpected(pass ? `a recovery slower than ${ms} ms` : `every recovery within ${ms} ms`)}\n` +
          `Received:\n${perDisturbance.join('\n')}` +
          (seconds.length > 0
            ? `\n\nSeconds short of the full rate with every connection active:\n${seconds.join('\n')}`
            : '')),
  }
}
