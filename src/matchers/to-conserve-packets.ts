import type { PipelineReport } from '../pipeline/report.js'
import type { MatcherContext, MatcherResult } from './context.js'
import { notAPipelineReport, pipelineReportProblem, pipelineTable } from './pipeline-guard.js'
import { matcherHeader } from './report-guard.js'

const NAME = 'toConservePackets'

/** Passes when a pipeline's accounting balances: every generated packet delivered or dropped at a named place. */
export function toConservePackets(this: MatcherContext, received: unknown): MatcherResult {
  if (pipelineReportProblem(received) !== undefined) return notAPipelineReport(this, NAME, received)
  const report = received as PipelineReport
  const pass = report.accounting.unexplainedLoss === 0
  return {
    pass,
    message: () =>
      `${matcherHeader(this, NAME)}\n\n` +
      `Expected: ${this.utils.printExpected(pass ? 'unexplained loss' : 'unexplainedLoss 0')}\n` +
      `Received: ${this.utils.printReceived(`unexplainedLoss ${report.accounting.unexplainedLoss}`)}\n\n` +
      pipelineTable(report),
  }
}
