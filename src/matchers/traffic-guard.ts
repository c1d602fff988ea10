// What the traffic matchers share: the report check, and the lines that name the seconds and the
// connections a failure concerns.
import { describeValue } from '../errors/field-error.js'
import type { TimelineSample } from '../run/timeline.js'
import type { ConnStats } from '../traffic/conn-stats.js'
import type { TrafficReport } from '../traffic/report.js'
import { reportGuard } from './report-guard.js'

/** Most seconds or connections one message lists. */
const MAX_LINES = 5

const NUMBERS = ['Sent', 'Received', 'Dropped', 'FailedConnections', 'FailedConnects', 'Connections'] as const

/** Why `value` is not a TrafficReport, or undefined when it is one. */
export function trafficReportProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return `got ${describeValue(value)}`
  const record = value as Record<string, unknown>
  for (const field of NUMBERS) {
    if (typeof record[field] !== 'number')
      return `field ${field} must be a number, got ${describeValue(record[field])}`
  }
  for (const field of ['ConnStats', 'timeline', 'disturbances'] as const) {
    if (!Array.isArray(record[field]))
      return `field ${field} must be an array, got ${describeValue(record[field])}`
  }
  const window = record.window as { endMs?: unknown } | undefined
  if (typeof window?.endMs !== 'number')
    return `field window must be { startMs, endMs }, got ${describeValue(window)}`
  return undefined
}

/** Result for a value that is not a TrafficReport: fails with and without `.not`. */
export const notATrafficReport = reportGuard({
  run: 'traffic.run()',
  type: 'TrafficReport',
  problem: (r) => `${trafficReportProblem(r)}`,
})

/** "second 3 (2000-3000 ms)" for a timeline sample. */
export function secondOf(sample: TimelineSample): string {
  return `second ${Math.floor(sample.at / 1000) + 1} (${sample.at}-${sample.at + sample.ms} ms)`
}

/** One line per interval where `pick` finds something, with what it found. */
export function secondLines(
  report: TrafficReport,
  pick: (s: TimelineSample) => string | undefined,
): string[] {
  const lines: string[] = []
  for (const sample of report.timeline) {
    const found = pick(sample)
    if (found !== undefined) lines.push(`  ${secondOf(sample)}: ${found}`)
  }
  return capped(lines, 'seconds')
}

/** One line per connection, cut to MAX_LINES. */
export function connectionLines(conns: ConnStats[], describe: (c: ConnStats) => string): string[] {
  return capped(
    conns.map((c) => `  ${c.Local || '(never connected)'}${c.Host ? ` (${c.Host})` : ''}: ${describe(c)}`),
    'connections',
  )
}

function capped(lines: string[], what: string): string[] {
  if (lines.length <= MAX_LINES) return lines
  return [...lines.slice(0, MAX_LINES), `  ... and ${lines.length - MAX_LINES} more ${what}`]
}

/** The second (1-based) in which a connection ended, from its Ended ns. */
export function endedSecond(conn: ConnStats): number {
  return Math.floor(conn.Ended / 1e9) + 1
}
