// ctraffic's output, byte for byte: the monitor line and the JSON statistics as Go's
// encoding/json writes them (field order, HTML-safe escapes, RFC 3339 times, a final newline).
import type { ConnStats } from './conn-stats.js'
import type { TrafficReport } from './report.js'

/** What ctraffic's -stats prints: nothing, the totals, or the totals with ConnStats and Samples. */
export type StatsMode = 'none' | 'summary' | 'all'

/** ctraffic's monitor line (written to stderr once a second). */
export function monitorLine(counts: {
  active: number
  failed: number
  connecting: number
  sent: number
  received: number
  dropped: number
}): string {
  return `Conn act/fail/connecting: ${counts.active}/${counts.failed}/${counts.connecting}, Packets send/rec/dropped: ${counts.sent}/${counts.received}/${counts.dropped}`
}

/** A string as Go's encoding/json writes it: <, > and & (and U+2028/9) escaped as \u00XX. */
export function goString(value: string): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

/** An RFC 3339 time as Go's time.MarshalJSON writes it in UTC: fraction without trailing zeros. */
export function goTime(iso: string): string {
  return iso.replace(/\.(\d+)Z$/, (_, fraction: string) => {
    const trimmed = fraction.replace(/0+$/, '')
    return trimmed === '' ? 'Z' : `.${trimmed}Z`
  })
}

function goNumber(value: number | null): string {
  return value === null ? 'null' : JSON.stringify(value)
}

function connJson(c: ConnStats): string {
  const fields = [
    `"Started":${c.Started}`,
    `"Connect":${c.Connect}`,
    `"Ended":${c.Ended}`,
    `"Err":${goString(c.Err)}`,
    `"Sent":${c.Sent}`,
    `"Received":${c.Received}`,
    `"Dropped":${c.Dropped}`,
    `"Retransmits":${c.Retransmits ?? 0}`,
    `"Local":${goString(c.Local)}`,
    `"Remote":${goString(c.Remote)}`,
  ]
  if (c.Host !== undefined && c.Host !== '') fields.push(`"Host":${goString(c.Host)}`)
  return `{${fields.join(',')}}`
}

/** The statistics ctraffic prints on stdout at the end (with its trailing newline); '' for 'none'. */
export function ctrafficJson(report: TrafficReport, mode: StatsMode): string {
  if (mode === 'none') return ''
  const fields = [
    `"Started":${goString(goTime(report.Started))}`,
    `"Duration":${report.Duration}`,
    `"Rate":${goNumber(report.Rate)}`,
    `"Connections":${report.Connections}`,
    `"PacketSize":${report.PacketSize}`,
    `"FailedConnections":${report.FailedConnections}`,
    `"Sent":${report.Sent}`,
    `"Received":${report.Received}`,
    `"Dropped":${report.Dropped}`,
    `"Retransmits":${goNumber(report.Retransmits)}`,
    `"FailedConnects":${report.FailedConnects}`,
  ]
  if (mode === 'all') {
    if (report.ConnStats.length > 0) fields.push(`"ConnStats":[${report.ConnStats.map(connJson).join(',')}]`)
    if (report.Samples.length > 0) {
      const samples = report.Samples.map(
        (s) => `{"Time":${s.Time},"Sent":${s.Sent},"Received":${s.Received},"Dropped":${s.Dropped}}`,
      )
      fields.push(`"Samples":[${samples.join(',')}]`)
    }
  }
  return `{${fields.join(',')}}\n`
}
