// One JSON file per load run, written by the Vitest fixture in the test's worker and read by the
// reporter in Vitest's main process. Task metadata carries only the file's path, so it stays small
// however long the run's timeline is.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type RunReport, runKindOf } from '../fixtures.js'
import type { LoadReport } from '../load/types.js'
import type { PipelineReport } from '../pipeline/report.js'
import type { RunEvent } from '../run/events.js'
import type { TrafficReport } from '../traffic/report.js'

export const RUN_FILE_SCHEMA = 'quicksand.run-file/1'

/** The key under which the reporter provides the folder for run files (Vitest's `inject`). */
export const RUN_DIR_KEY = 'quicksandRunDir'

/** What a run file holds: the test it came from, the report, and the test's earlier proxy events. */
export interface RunFile {
  schemaVersion: typeof RUN_FILE_SCHEMA
  test: { id: string; name: string }
  /** The run's kind; files without it hold a load. */
  kind?: 'load' | 'traffic' | 'pipeline'
  report: RunReport
  /**
   * Impairment and flap events of the test from before the run started (`at` in ms relative to
   * the run's start, so negative): an impairment set before the load is on during all of it.
   */
  earlierEvents: RunEvent[]
}

const PROXY_STATE_EVENTS = /^(impairment|flap)\./

/** Epoch ms at which a run of any kind started. */
export function runStartedAt(report: RunReport): number {
  const kind = runKindOf(report)
  if (kind === 'pipeline') return (report as PipelineReport).startedAt
  if (kind === 'traffic') return Date.parse((report as TrafficReport).Started)
  return Date.parse((report as LoadReport).startedAt)
}

/** The proxy events a run's shading needs from before it started, timed relative to its start. */
export function earlierProxyEvents(events: readonly RunEvent[], report: RunReport): RunEvent[] {
  const start = runStartedAt(report)
  return events
    .filter((event) => event.at < start && PROXY_STATE_EVENTS.test(event.type))
    .map((event) => ({ ...event, at: Math.round((event.at - start) * 1000) / 1000 }))
}

/** Write one run file into `dir` and return its path. */
export function writeRunFile(
  dir: string,
  test: { id: string; name: string },
  index: number,
  report: RunReport,
  earlierEvents: RunEvent[],
): string {
  mkdirSync(dir, { recursive: true })
  // Test ids are Vitest's own (file hash and position): safe as file names.
  const path = join(dir, `test${test.id.replace(/[^\w-]/g, '_')}-${index + 1}.json`)
  const file: RunFile = {
    schemaVersion: RUN_FILE_SCHEMA,
    test,
    kind: runKindOf(report),
    report,
    earlierEvents,
  }
  writeFileSync(path, JSON.stringify(file))
  return path
}

/** Read a run file back; a file of another kind is refused with its path and what it holds. */
export function readRunFile(path: string): RunFile {
  const file = JSON.parse(readFileSync(path, 'utf8')) as Partial<RunFile>
  if (file.schemaVersion !== RUN_FILE_SCHEMA || typeof file.report !== 'object') {
    throw new TypeError(`${path} is not a quicksand run file (schemaVersion ${String(file.schemaVersion)})`)
  }
  return file as RunFile
}
