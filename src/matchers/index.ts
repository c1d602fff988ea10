import { toHaveNoChannelLeaks } from './to-have-no-channel-leaks.js'
import { toHaveVerdictReason } from './to-have-verdict-reason.js'
import { toPassVerdict } from './to-pass-verdict.js'
import { toStayUnderAckP95 } from './to-stay-under-ack-p95.js'
import { toStayUnderSetupP95 } from './to-stay-under-setup-p95.js'

export type { MatcherContext, MatcherHintOptions, MatcherResult } from './context.js'
export { isLoadReport, loadReportProblem } from './report-guard.js'
export type { QuicksandMatchers } from './types.js'
export { toHaveNoChannelLeaks, toHaveVerdictReason, toPassVerdict, toStayUnderAckP95, toStayUnderSetupP95 }

/** Every quicksand matcher, ready for `expect.extend(matchers)` in Vitest or Jest. */
export const matchers = {
  toPassVerdict,
  toHaveNoChannelLeaks,
  toStayUnderAckP95,
  toStayUnderSetupP95,
  toHaveVerdictReason,
}
