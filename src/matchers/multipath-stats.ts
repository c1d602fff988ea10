import type { LoadReport } from '../load/types.js'
import type { MultipathStats } from '../multipath/connection.js'

/** Every multipath connection's stats a report carries (all targets), or [] when none. */
export function multipathConnections(report: LoadReport): MultipathStats[] {
  // Reports read back from older run files may have no transport snapshot at all.
  const snapshot = report.transportSnapshot as LoadReport['transportSnapshot'] | undefined
  return Object.values(snapshot?.multipath ?? {}).flat()
}

/** True for what connectMultipath().stats() returns. */
export function isMultipathStats(value: unknown): value is MultipathStats {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { paths?: unknown }).paths) &&
    typeof (value as { longestAckGapMs?: unknown }).longestAckGapMs === 'number'
  )
}
