import type { MatcherContext, MatcherResult } from './context.js'
import { isLoadReport, matcherHeader, notALoadReport } from './report-guard.js'

const NAME = 'toHaveVerdictReason'

/**
 * Passes when some verdict reason starts with `prefix`, e.g. `'channel_leaks'` matches
 * `channel_leaks=2`; useful to assert a scenario fails for the expected reason.
 */
export function toHaveVerdictReason(this: MatcherContext, received: unknown, prefix: string): MatcherResult {
  if (typeof prefix !== 'string' || prefix.length === 0) {
    const shown = typeof prefix === 'string' ? "''" : String(prefix)
    throw new TypeError(
      `${NAME}(prefix): prefix must be a non-empty reason name such as 'channel_leaks', got ${shown}`,
    )
  }
  if (!isLoadReport(received)) return notALoadReport(this, NAME, received, 'prefix')
  const { utils } = this
  const reasons = received.verdictReasons
  const matching = reasons.filter((reason) => reason.startsWith(prefix))
  const pass = matching.length > 0
  const list =
    reasons.length === 0 ? '  (none: verdict pass)' : reasons.map((reason) => `  - ${reason}`).join('\n')
  return {
    pass,
    message: () =>
      `${matcherHeader(this, NAME, 'prefix')}\n\n` +
      `Expected ${pass ? 'no ' : 'a '}verdict reason starting with ${utils.printExpected(prefix)}\n` +
      (pass
        ? `Received matching:\n${matching.map((reason) => `  - ${utils.printReceived(reason)}`).join('\n')}\n\n`
        : '\n') +
      `Verdict reasons (${received.verdict}):\n${list}`,
  }
}
