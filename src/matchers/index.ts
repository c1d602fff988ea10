import { toConservePackets } from './to-conserve-packets.js'
import { toDropOnlyAt } from './to-drop-only-at.js'
import { toFailOverWithin } from './to-fail-over-within.js'
import { toHaveNoChannelLeaks } from './to-have-no-channel-leaks.js'
import { toHaveVerdictReason } from './to-have-verdict-reason.js'
import { toKeepConnections } from './to-keep-connections.js'
import { toLoseNoPackets } from './to-lose-no-packets.js'
import { toMigrateAwayFrom } from './to-migrate-away-from.js'
import { toPassCheckMatrix } from './to-pass-check-matrix.js'
import { toPassVerdict } from './to-pass-verdict.js'
import { toRecoverWithin } from './to-recover-within.js'
import { toSpreadEvenly } from './to-spread-evenly.js'
import { toStayUnderAckP95 } from './to-stay-under-ack-p95.js'
import { toStayUnderAckP99 } from './to-stay-under-ack-p99.js'
import { toStayUnderRetransmits } from './to-stay-under-retransmits.js'
import { toStayUnderSetupP95 } from './to-stay-under-setup-p95.js'
import { toStayWithinResources } from './to-stay-within-resources.js'
import { toSurvivePathLoss } from './to-survive-path-loss.js'
import { toSustainPps } from './to-sustain-pps.js'
import { toSustainThroughput } from './to-sustain-throughput.js'
import { toUsePaths } from './to-use-paths.js'

export type { MatcherContext, MatcherHintOptions, MatcherResult } from './context.js'
export { isLoadReport, loadReportProblem } from './report-guard.js'
export type { KeepConnectionsOptions } from './to-keep-connections.js'
export type { SurvivePathLossOptions } from './to-survive-path-loss.js'
export type { QuicksandMatchers } from './types.js'
export {
  toConservePackets,
  toDropOnlyAt,
  toFailOverWithin,
  toHaveNoChannelLeaks,
  toHaveVerdictReason,
  toKeepConnections,
  toLoseNoPackets,
  toMigrateAwayFrom,
  toPassCheckMatrix,
  toPassVerdict,
  toRecoverWithin,
  toSpreadEvenly,
  toStayUnderAckP95,
  toStayUnderAckP99,
  toStayUnderRetransmits,
  toStayUnderSetupP95,
  toStayWithinResources,
  toSurvivePathLoss,
  toSustainPps,
  toSustainThroughput,
  toUsePaths,
}

/** Every quicksand matcher, ready for `expect.extend(matchers)` in Vitest or Jest. */
export const matchers = {
  toPassVerdict,
  toHaveNoChannelLeaks,
  toStayUnderAckP95,
  toStayUnderSetupP95,
  toHaveVerdictReason,
  toFailOverWithin,
  toKeepConnections,
  toLoseNoPackets,
  toMigrateAwayFrom,
  toRecoverWithin,
  toSpreadEvenly,
  toStayUnderAckP99,
  toStayUnderRetransmits,
  toStayWithinResources,
  toSustainThroughput,
  toConservePackets,
  toDropOnlyAt,
  toSustainPps,
  toPassCheckMatrix,
  toSurvivePathLoss,
  toUsePaths,
}
