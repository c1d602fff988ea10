// What the reporter shows, gathered from Vitest's finished test modules: one row per load run a
// test made, with the full report read from its run file.
import { relative } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import type { LoadReport } from '../load/types.js'
import type { RunEvent } from '../run/events.js'
import { type ImpairmentPeriod, impairmentPeriods } from './periods.js'
import { readRunFile } from './run-file.js'

/** One load run of one test, as the table and the page show it. */
export interface ScenarioRow {
  /** Test name, with `#n` when the test ran several loads. */
  scenario: string
  /** The test's outcome in Vitest. */
  state: string
  /** The report's verdict, and its reasons. */
  verdict: 'pass' | 'fail'
  reasons: string[]
  /** The test's failure messages (first line each). */
  errors: string[]
  throughputMbps: number
  ackP50Ms: number
  ackP95Ms: number
  ackP99Ms: number
  setupP95Ms: number
  failovers: number
  leaks: number
  /** How long the load ran, ms. */
  durationMs: number
  report: LoadReport
  /** The report's events and the test's earlier proxy events (negative `at`). */
  events: RunEvent[]
  periods: ImpairmentPeriod[]
}

/** The rows of one test file, failed ones first. */
export interface ScenarioFile {
  file: string
  rows: ScenarioRow[]
}

/** The parts of Vitest's TestModule the reporter reads (kept structural, across Vitest versions). */
export interface FinishedModule {
  moduleId: string
  children: { allTests(): Iterable<FinishedTest> }
}

interface FinishedTest {
  name: string
  meta(): Record<string, unknown>
  result(): { state: string; errors?: ReadonlyArray<{ message?: string }> }
}

/** Metadata key listing a test's run files (set by the quicksand/vitest fixture). */
export const RUN_FILES_META = 'quicksandRunFiles'

/** True for a row a reader should see first: a failed test or a failing verdict. */
export function isFailedRow(row: ScenarioRow): boolean {
  return row.state === 'failed' || row.verdict === 'fail'
}

function row(scenario: string, state: string, errors: string[], path: string): ScenarioRow {
  const { report, earlierEvents } = readRunFile(path)
  const durationMs = Date.parse(report.finishedAt) - Date.parse(report.startedAt)
  const events = [...earlierEvents, ...report.events]
  return {
    scenario,
    state,
    verdict: report.verdict,
    reasons: report.verdictReasons,
    errors,
    throughputMbps: Math.round(report.throughputBps / 1e4) / 100,
    ackP50Ms: report.ackP50Ms,
    ackP95Ms: report.ackP95Ms,
    ackP99Ms: report.ackP99Ms,
    setupP95Ms: report.setupLatencyP95Ms,
    failovers: report.failoverEvents,
    leaks: report.channelLeaks,
    durationMs,
    report,
    events,
    periods: impairmentPeriods(events, durationMs),
  }
}

/** Gather the scenario rows of finished test modules; files without load runs are left out. */
export function collectScenarios(modules: readonly FinishedModule[], root: string): ScenarioFile[] {
  const files: ScenarioFile[] = []
  for (const mod of modules) {
    const rows: ScenarioRow[] = []
    for (const test of mod.children.allTests()) {
      const paths = (test.meta()[RUN_FILES_META] as string[] | undefined) ?? []
      const result = test.result()
      const errors = (result.errors ?? []).map(
        (e) => stripVTControlCharacters(String(e.message ?? e)).split('\n')[0] ?? '',
      )
      paths.forEach((path, i) => {
        const name = paths.length > 1 ? `${test.name} #${i + 1}` : test.name
        rows.push(row(name, result.state, errors, path))
      })
    }
    if (rows.length === 0) continue
    // Stable sort: failed rows first, each group in the file's order.
    rows.sort((a, b) => Number(isFailedRow(b)) - Number(isFailedRow(a)))
    files.push({ file: relative(root, mod.moduleId), rows })
  }
  return files
}
