import type { VerdictRule } from './rule.js'

/** A run that moved no acknowledged payload proves nothing, whatever else it reports. */
export const rule: VerdictRule = {
  name: 'no_bytes_sent',
  check: (report) => (report.bytesSent > 0 ? [] : ['no_bytes_sent']),
}
