import { FieldError, rejectUnknownKeys } from '../errors/field-error.js'
import type { TrafficReport } from '../traffic/report.js'
import type { MatcherContext, MatcherResult } from './context.js'
import { matcherHeader } from './report-guard.js'
import {
  connectionLines,
  endedSecond,
  notATrafficReport,
  secondLines,
  trafficReportProblem,
} from './traffic-guard.js'

const NAME = 'toKeepConnections'

/** Options of toKeepConnections(). */
export interface KeepConnectionsOptions {
  /** Established connections allowed to fail; default 0. */
  maxFailed?: number
}

/** Passes when at most `maxFailed` (default 0) established connections failed. */
export function toKeepConnections(
  this: MatcherContext,
  received: unknown,
  options: KeepConnectionsOptions = {},
): MatcherResult {
  rejectUnknownKeys(options, ['maxFailed'], 'toKeepConnections options')
  const maxFailed = options.maxFailed ?? 0
  if (!Number.isInteger(maxFailed) || maxFailed < 0)
    throw new FieldError('maxFailed', maxFailed, 'an integer >= 0')
  const expected = `{ maxFailed: ${maxFailed} }`
  if (trafficReportProblem(received) !== undefined) return notATrafficReport(this, NAME, received, expected)
  const report = received as TrafficReport
  const pass = report.FailedConnections <= maxFailed
  const seconds = secondLines(report, (s) =>
    (s.failedConnections ?? 0) > 0 || (s.failedConnects ?? 0) > 0
      ? `${s.failedConnections ?? 0} connection(s) failed, ${s.failedConnects ?? 0} dial(s) failed, ${s.active ?? 0} active at its end`
      : undefined,
  )
  const conns = connectionLines(
    report.ConnStats.filter((c) => c.Err !== ''),
    (c) => `failed in second ${endedSecond(c)} after ${c.Received} echoes: ${c.Err}`,
  )
  return {
    pass,
    message: () =>
      `${matcherHeader(this, NAME, expected)}\n\n` +
      `Expected: ${this.utils.printExpected(pass ? `more than ${maxFailed} failed connection(s)` : `at most ${maxFailed} failed connection(s)`)}\n` +
      `Received: ${this.utils.printReceived(`${report.FailedConnections} failed of ${report.Connections}, ${report.FailedConnects} failed dial(s)`)}` +
      (seconds.length > 0 ? `\n\nWhen:\n${seconds.join('\n')}` : '') +
      (conns.length > 0 ? `\n\nConnections concerned:\n${conns.join('\n')}` : ''),
  }
}
