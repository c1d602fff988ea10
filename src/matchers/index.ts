import { toHaveNoChannelLeaks } from './to-have-no-channel-leaks.js'
import { toHaveVerdictReason } from './to-have-verdict-reason.js'
import { toKeepConnections } from './to-keep-connections.js'
import { toLoseNoPackets } from './to-lose-no-packets.js'
import { toPassVerdict } from './to-pass-verdict.js'
import { toRecoverWithin } from './to-recover-within.js'
import { toStayUnderAckP95 } from './to-stay-under-ack-p95.js'
import { toStayUnderRetransmits } from './to-stay-under-retransmits.js'
import { toStayUnderSetupP95 } from './to-stay-under-setup-p95.js'

export type { MatcherContext, MatcherHintOptions, MatcherResult } from './context.js'
export { isLoadReport, loadReportProblem } from './report-guard.js'
export type { KeepConnectionsOptions } from './to-keep-connections.js'
export type { QuicksandMatchers } from './types.js'
export {
  toHaveNoChannelLeaks,
  toHaveVerdictReason,
  toKeepConnections,
  toLoseNoPackets,
  toPassVerdict,
  toRecoverWithin,
  toStayUnderAckP95,
  toStayUnderRetransmits,
  toStayUnderSetupP95,
}

/** Every quicksand matcher, ready for `expect.extend(matchers)` in Vitest or Jest. */
export const matchers = {
  toPassVerdict,
  toHaveNoChannelLeaks,
  toStayUnderAckP95,
  toStayUnderSetupP95,
  toHaveVerdictReason,
  toLoseNoPackets,
  toKeepConnections,
  toStayUnderRetransmits,
  toRecoverWithin,
}
