// What the reporter shows, gathered from Vitest's finished test modules: one row per load run a
// test made, with the full report read from its run file.
import { relative } from 'node:path'
import { stripVTControlCharacters } from 'node:util'
import type { LoadReport } from '../load/types.js'
import type { PipelineReport } from '../pipeline/report.js'
import type { RunEvent } from '../run/events.js'
import type { TimelineSample } from '../run/timeline.js'
import type { TrafficReport } from '../traffic/report.js'
import { type ImpairmentPeriod, impairmentPeriods } from './periods.js'
import { readRunFile } from './run-file.js'

/** One run of one test (a load, a traffic run or a pipeline), as the table and the page show it. */
export interface ScenarioRow {
  /** Test name, with `#n` when the test made several runs. */
  scenario: string
  kind: 'load' | 'traffic' | 'pipeline'
  /** The test's outcome in Vitest. */
  state: string
  /** The report's verdict, and its reasons. */
  verdict: 'pass' | 'fail'
  reasons: string[]
  /** The test's failure messages (first line each). */
  errors: string[]
  /** Cells a kind of run has no figure for are null (shown as '-'). */
  throughputMbps: number | null
  /** ACK latency of a load; a traffic run's echo round trip. */
  ackP50Ms: number | null
  ackP95Ms: number | null
  ackP99Ms: number | null
  setupP95Ms: number | null
  failovers: number | null
  leaks: number | null
  /** How long the run took, ms. */
  durationMs: number
  /** One line of the run's own figures (streams, packets, drops). */
  headline: string
  timeline: TimelineSample[]
  /** [percentile, ms] pairs of a load's ACK latency; empty for other runs. */
  ackPercentiles: Array<[number, number]>
  config: unknown
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

type Figures = Omit<ScenarioRow, 'scenario' | 'state' | 'errors' | 'events' | 'periods'> & {
  ownEvents: RunEvent[]
}

function loadFigures(report: LoadReport): Figures {
  return {
    kind: 'load',
    verdict: report.verdict,
    reasons: report.verdictReasons,
    throughputMbps: Math.round(report.throughputBps / 1e4) / 100,
    ackP50Ms: report.ackP50Ms,
    ackP95Ms: report.ackP95Ms,
    ackP99Ms: report.ackP99Ms,
    setupP95Ms: report.setupLatencyP95Ms,
    failovers: report.failoverEvents,
    leaks: report.channelLeaks,
    durationMs: Date.parse(report.finishedAt) - Date.parse(report.startedAt),
    headline: `${report.successfulStreams}/${report.totalStreams} streams · ${report.bytesSent} bytes`,
    timeline: report.timeline,
    ackPercentiles: (report.ackPercentiles ?? []) as Array<[number, number]>,
    config: report.config,
    ownEvents: report.events,
  }
}

function trafficFigures(report: TrafficReport): Figures {
  const durationMs = report.Duration / 1e6
  return {
    kind: 'traffic',
    verdict: report.verdict,
    reasons: report.verdictReasons,
    throughputMbps:
      durationMs > 0 ? Math.round((report.Received * report.PacketSize * 8) / durationMs / 10) / 100 : 0,
    ackP50Ms: report.rtt.count > 0 ? report.rtt.p50Ms : null,
    ackP95Ms: report.rtt.count > 0 ? report.rtt.p95Ms : null,
    ackP99Ms: report.rtt.count > 0 ? report.rtt.p99Ms : null,
    setupP95Ms: null,
    failovers: null,
    leaks: null,
    durationMs,
    headline:
      `${report.Connections} connections · sent ${report.Sent}, received ${report.Received}, ` +
      `dropped ${report.Dropped} · failed connections ${report.FailedConnections}, failed dials ${report.FailedConnects}`,
    timeline: report.timeline,
    ackPercentiles: [],
    config: {
      address: report.address,
      nconn: report.Connections,
      rate: report.Rate,
      psize: report.PacketSize,
    },
    ownEvents: report.events,
  }
}

function pipelineFigures(report: PipelineReport): Figures {
  const { generated } = report.generator
  const { delivered } = report.sink
  const unexplained = report.accounting.unexplainedLoss
  const size = report.config.packetSize
  return {
    kind: 'pipeline',
    // A pipeline's own rule: every packet delivered or dropped at a named place.
    verdict: unexplained === 0 ? 'pass' : 'fail',
    reasons: unexplained === 0 ? [] : [`unexplainedLoss=${unexplained}`],
    throughputMbps:
      report.durationMs > 0 ? Math.round((delivered * size * 8) / report.durationMs / 10) / 100 : 0,
    ackP50Ms: null,
    ackP95Ms: null,
    ackP99Ms: null,
    setupP95Ms: null,
    failovers: null,
    leaks: null,
    durationMs: report.durationMs,
    headline: `${report.hops.length} hop(s) · generated ${generated}, delivered ${delivered}, unexplained ${unexplained}`,
    timeline: report.timeline,
    ackPercentiles: [],
    config: report.config,
    ownEvents: [],
  }
}

function row(scenario: string, state: string, errors: string[], path: string): ScenarioRow {
  const { report, earlierEvents, kind } = readRunFile(path)
  const figures =
    kind === 'traffic'
      ? trafficFigures(report as TrafficReport)
      : kind === 'pipeline'
        ? pipelineFigures(report as PipelineReport)
        : loadFigures(report as LoadReport)
  const { ownEvents, ...rest } = figures
  const events = [...earlierEvents, ...ownEvents]
  return { scenario, state, errors, ...rest, events, periods: impairmentPeriods(events, rest.durationMs) }
}

/** Gather the scenario rows of finished test modules; files without runs are left out. */
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
