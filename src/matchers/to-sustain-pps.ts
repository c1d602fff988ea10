import type { PipelineReport } from '../pipeline/report.js'
import type { MatcherContext, MatcherResult } from './context.js'
import { notAPipelineReport, pipelineReportProblem, pipelineTable } from './pipeline-guard.js'
import { matcherHeader } from './report-guard.js'

const NAME = 'toSustainPps'

/** Passes when a pipeline delivered at least `pps` packets per second over the generator's sending time. */
export function toSustainPps(this: MatcherContext, received: unknown, pps: unknown): MatcherResult {
  if (typeof pps !== 'number' || !Number.isFinite(pps) || pps < 0) {
    throw new TypeError(
      `${NAME} takes a rate in packets per second (a number >= 0), got ${JSON.stringify(pps)}`,
    )
  }
  if (pipelineReportProblem(received) !== undefined)
    return notAPipelineReport(this, NAME, received, String(pps))
  const report = received as PipelineReport
  const pass = report.sink.deliveredPps >= pps
  return {
    pass,
    message: () =>
      `${matcherHeader(this, NAME, String(pps))}\n\n` +
      `Expected: ${this.utils.printExpected(`${pass ? 'under' : 'at least'} ${pps} pps delivered`)}\n` +
      `Received: ${this.utils.printReceived(`${report.sink.deliveredPps} pps delivered (${report.sink.delivered} packets in ${report.generator.elapsedMs} ms)`)}\n\n` +
      pipelineTable(report),
  }
}
