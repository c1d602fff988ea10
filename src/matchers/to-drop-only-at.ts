import { dropPlaces } from '../pipeline/accounting.js'
import type { PipelineReport } from '../pipeline/report.js'
import type { MatcherContext, MatcherResult } from './context.js'
import { notAPipelineReport, pipelineReportProblem, pipelineTable } from './pipeline-guard.js'
import { matcherHeader } from './report-guard.js'

const NAME = 'toDropOnlyAt'
const PLACE = /^(?:hop\d+(?:\.[A-Za-z]+)?|impair\d+(?:\.kernel)?|sink(?:\.[A-Za-z]+)?)$/

/** Whether drop place `place` is covered by `allowed` ('hop2' covers 'hop2.bufExhaust', 'impair1' covers 'impair1.kernel'). */
function covers(allowed: string, place: string): boolean {
  return place === allowed || place.startsWith(`${allowed}.`)
}

/**
 * Passes when a pipeline dropped packets nowhere but at the given places (`hop<N>.<counter>`,
 * `impair<N>`, `sink.<counter>`) and lost none unexplained.
 */
export function toDropOnlyAt(this: MatcherContext, received: unknown, ...places: unknown[]): MatcherResult {
  const expected = places.map((p) => JSON.stringify(p)).join(', ')
  if (pipelineReportProblem(received) !== undefined) return notAPipelineReport(this, NAME, received, expected)
  const wanted = places.flat()
  const bad = wanted.find((p) => typeof p !== 'string' || !PLACE.test(p))
  if (wanted.length === 0 || bad !== undefined) {
    throw new TypeError(
      `${NAME} takes drop places such as 'hop2.bufExhaust', 'impair1' or 'sink.kernel', got ${wanted.length === 0 ? 'none' : JSON.stringify(bad)}`,
    )
  }
  const report = received as PipelineReport
  const elsewhere = dropPlaces(report.accounting).filter(
    ([place]) => !wanted.some((w) => covers(w as string, place)),
  )
  const unexplained = report.accounting.unexplainedLoss
  const pass = elsewhere.length === 0 && unexplained === 0
  const found = [
    ...elsewhere.map(([place, n]) => `${place} ${n}`),
    ...(unexplained !== 0 ? [`unexplained ${unexplained}`] : []),
  ]
  return {
    pass,
    message: () =>
      `${matcherHeader(this, NAME, expected)}\n\n` +
      `Expected: ${this.utils.printExpected(pass ? `drops somewhere but ${wanted.join(', ')}` : `drops only at ${wanted.join(', ')}`)}\n` +
      `Received: ${this.utils.printReceived(found.length > 0 ? `drops at ${found.join(', ')}` : `drops only at ${wanted.join(', ')} (or none)`)}\n\n` +
      pipelineTable(report),
  }
}
