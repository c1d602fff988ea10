import type { TrafficReport } from '../traffic/report.js'
import type { MatcherContext, MatcherResult } from './context.js'
import { matcherHeader } from './report-guard.js'
import { connectionLines, notATrafficReport, secondLines, trafficReportProblem } from './traffic-guard.js'

const NAME = 'toLoseNoPackets'

/** Passes when every packet sent came back (Sent == Received) and no send slot was dropped. */
export function toLoseNoPackets(this: MatcherContext, received: unknown): MatcherResult {
  if (trafficReportProblem(received) !== undefined) return notATrafficReport(this, NAME, received)
  const report = received as TrafficReport
  const lost = report.Sent - report.Received
  const pass = lost === 0 && report.Dropped === 0
  const seconds = secondLines(report, (s) => {
    const parts = [
      (s.dropped ?? 0) > 0 ? `${s.dropped} dropped` : '',
      (s.lost ?? 0) > 0 ? `${s.lost} lost` : '',
      (s.failedConnections ?? 0) > 0 ? `${s.failedConnections} connection(s) failed` : '',
      (s.sent ?? 0) !== (s.received ?? 0) ? `sent ${s.sent ?? 0}, received ${s.received ?? 0}` : '',
    ].filter(Boolean)
    return parts.length > 0 && ((s.dropped ?? 0) > 0 || (s.lost ?? 0) > 0 || (s.failedConnections ?? 0) > 0)
      ? parts.join(', ')
      : undefined
  })
  const conns = connectionLines(
    report.ConnStats.filter((c) => c.Sent !== c.Received || c.Dropped > 0),
    (c) => `sent ${c.Sent}, received ${c.Received}, dropped ${c.Dropped}${c.Err ? `, failed: ${c.Err}` : ''}`,
  )
  return {
    pass,
    message: () =>
      `${matcherHeader(this, NAME)}\n\n` +
      `Expected: ${this.utils.printExpected(pass ? 'a lost or dropped packet' : 'Sent == Received and Dropped == 0')}\n` +
      `Received: ${this.utils.printReceived(`Sent ${report.Sent}, Received ${report.Received} (${lost} lost in flight), Dropped ${report.Dropped}`)}` +
      (seconds.length > 0 ? `\n\nWhen:\n${seconds.join('\n')}` : '') +
      (conns.length > 0 ? `\n\nConnections concerned:\n${conns.join('\n')}` : ''),
  }
}
