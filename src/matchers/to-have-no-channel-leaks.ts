import type { LoadReport, TargetStats } from '../load/types.js'
import type { MatcherContext, MatcherResult } from './context.js'
import { isLoadReport, matcherHeader, notALoadReport } from './report-guard.js'

const NAME = 'toHaveNoChannelLeaks'

/** Each way a report shows a channel left open, in words a reader can act on. */
function channelLeakFindings(report: LoadReport): string[] {
  const findings: string[] = []
  if (report.channelLeaks !== 0)
    findings.push(`${report.channelLeaks} channel(s) still open at the end of the run`)
  if (report.channelOpens !== report.channelCloses) {
    findings.push(`${report.channelOpens} opened but ${report.channelCloses} closed`)
  }
  for (const [url, stats] of Object.entries(report.targetStats)) {
    if (stats.channelOpens !== stats.channelCloses) {
      findings.push(`${url}: ${stats.channelOpens} opened but ${stats.channelCloses} closed`)
    }
    if ((stats.nodeChannelsActive ?? 0) > 0) {
      findings.push(`${url}: node still holds ${stats.nodeChannelsActive} channel(s)`)
    }
  }
  return findings
}

function targetLine(url: string, stats: TargetStats, width: number): string {
  const nodeActive = stats.nodeChannelsActive === undefined ? 'n/a' : String(stats.nodeChannelsActive)
  return `  ${url.padEnd(width)}  opens ${stats.channelOpens}, closes ${stats.channelCloses}, node active ${nodeActive}`
}

/**
 * Passes when every channel opened was closed: no report-level leaks, opens equal closes overall
 * and per target, and no in-process node still holding channels at the end.
 */
export function toHaveNoChannelLeaks(this: MatcherContext, received: unknown): MatcherResult {
  if (!isLoadReport(received)) return notALoadReport(this, NAME, received)
  const { utils } = this
  const report = received
  const findings = channelLeakFindings(report)
  const pass = findings.length === 0
  const targets = Object.entries(report.targetStats)
  const width = Math.max(0, ...targets.map(([url]) => url.length))
  const perTarget =
    targets.length === 0
      ? '  (no per-target figures)'
      : targets.map(([url, stats]) => targetLine(url, stats, width)).join('\n')
  return {
    pass,
    message: () =>
      `${matcherHeader(this, NAME)}\n\n` +
      (pass
        ? `Expected: ${utils.printExpected('a channel leak')}\nReceived: ${utils.printReceived('every channel closed')}\n\n`
        : `Expected: ${utils.printExpected('no channel leaks')}\nReceived:\n` +
          `${findings.map((finding) => `  - ${utils.printReceived(finding)}`).join('\n')}\n\n`) +
      `Channels overall: opens ${report.channelOpens}, closes ${report.channelCloses}, leaks ${report.channelLeaks}\n` +
      `Channels per target:\n${perTarget}`,
  }
}
