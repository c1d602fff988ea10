import type { LoadReport } from '../types.js'

// Placeholder until the rule modules land: a run with failed streams or no bytes fails.
export function verdict(report: LoadReport): { verdict: 'pass' | 'fail'; verdictReasons: string[] } {
  const reasons: string[] = []
  if (report.failedStreams > 0) reasons.push(`failed_streams=${report.failedStreams}`)
  if (report.bytesSent <= 0) reasons.push('no_bytes_sent')
  return { verdict: reasons.length ? 'fail' : 'pass', verdictReasons: reasons }
}
