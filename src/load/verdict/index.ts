import type { Verdict } from '../../run/workload.js'
import { rule as ackIntegrityErrors } from './ack-integrity-errors.js'
import { rule as ackMismatchedStreams } from './ack-mismatched-streams.js'
import { rule as ackP95 } from './ack-p95.js'
import { rule as ackP99 } from './ack-p99.js'
import { rule as activeResourceDelta } from './active-resource-delta.js'
import { rule as channelLeaks } from './channel-leaks.js'
import { rule as channelOpenClose } from './channel-open-close.js'
import { rule as channelOpensExceedAcquires } from './channel-opens-exceed-acquires.js'
import { rule as compatRouteModes } from './compat-route-modes.js'
import { rule as controlAckP95 } from './control-ack-p95.js'
import { rule as degradedWithoutMigration } from './degraded-without-migration.js'
import { rule as expectedDegradedTarget } from './expected-degraded-target.js'
import { rule as failedStreams } from './failed-streams.js'
import { rule as heapDelta } from './heap-delta.js'
import { rule as minChannelChurn } from './min-channel-churn.js'
import { rule as minThroughput } from './min-throughput.js'
import { rule as noBytesSent } from './no-bytes-sent.js'
import { rule as openFdDelta } from './open-fd-delta.js'
import { rule as openFdsMax } from './open-fds-max.js'
import { rule as requireQuic } from './require-quic.js'
import { rule as rerouteP95 } from './reroute-p95.js'
import { rule as rerouteP99 } from './reroute-p99.js'
import { rule as routeModeCoverage } from './route-mode-coverage.js'
import { rule as routePressureAcquireRelease } from './route-pressure-acquire-release.js'
import { rule as routePressureActiveLeak } from './route-pressure-active-leak.js'
import { rule as routePressureDistributionCollapsed } from './route-pressure-distribution-collapsed.js'
import { rule as routePressureDistributionSkew } from './route-pressure-distribution-skew.js'
import { rule as routePressureMaxActive } from './route-pressure-max-active.js'
import { rule as routePressureMissingAcquires } from './route-pressure-missing-acquires.js'
import type { VerdictInput, VerdictRule } from './rule.js'
import { rule as setupP95 } from './setup-p95.js'
import { rule as setupP99 } from './setup-p99.js'
import { rule as targetAck } from './target-ack.js'
import { rule as targetByteDistribution } from './target-byte-distribution.js'
import { rule as targetDistributionCollapsed } from './target-distribution-collapsed.js'
import { rule as targetDistributionSkew } from './target-distribution-skew.js'

export type { Verdict } from '../../run/workload.js'
export { formatComparison, formatMetric } from './metric-format.js'
export type { VerdictInput, VerdictRule } from './rule.js'

/** Every rule, in the reference load tester's order, so reason lists read the same. */
export const verdictRules: readonly VerdictRule[] = Object.freeze([
  failedStreams,
  setupP95,
  setupP99,
  rerouteP95,
  rerouteP99,
  noBytesSent,
  minThroughput,
  minChannelChurn,
  ackMismatchedStreams,
  ackIntegrityErrors,
  routePressureActiveLeak,
  routePressureAcquireRelease,
  channelLeaks,
  channelOpenClose,
  channelOpensExceedAcquires,
  routePressureMissingAcquires,
  routePressureMaxActive,
  ackP95,
  ackP99,
  controlAckP95,
  activeResourceDelta,
  heapDelta,
  openFdDelta,
  openFdsMax,
  expectedDegradedTarget,
  degradedWithoutMigration,
  targetDistributionCollapsed,
  targetDistributionSkew,
  targetByteDistribution,
  targetAck,
  routePressureDistributionCollapsed,
  routePressureDistributionSkew,
  requireQuic,
  compatRouteModes,
  routeModeCoverage,
])

/** Applies every verdict rule in order: `fail` with their reasons if any fired, else `pass`. */
export function verdict(report: VerdictInput, rules: readonly VerdictRule[] = verdictRules): Verdict {
  const verdictReasons = rules.flatMap((rule) => rule.check(report))
  return { verdict: verdictReasons.length > 0 ? 'fail' : 'pass', verdictReasons }
}
