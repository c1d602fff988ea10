import { RunError } from '../errors/kinds.js'
import type { EventBus } from '../run/events.js'
import type { PipelineConfig } from './config.js'
import type { PipelineReport } from './report.js'
import { runPipeline } from './run.js'

/** The pipeline part of the fabric fixture: runs pipelines, aborting any still running at teardown. */
export interface PipelineFixture {
  /** Run a pipeline to completion (see runPipeline). */
  pipeline(config: PipelineConfig): Promise<PipelineReport>
  /** Abort running pipelines and wait until everything they started is stopped. */
  closeAll(): Promise<void>
}

/** Create the pipeline fixture; `events` is the test's bus. */
export function createPipelineFixture(
  events: EventBus,
  onReport?: (report: PipelineReport) => void,
): PipelineFixture {
  let runs = new AbortController()
  const running = new Set<Promise<unknown>>()
  return {
    pipeline(config) {
      const run = runPipeline(config, { signal: runs.signal, events }).then((report) => {
        onReport?.(report)
        return report
      })
      const settled = run.catch(() => undefined)
      running.add(settled)
      void settled.finally(() => running.delete(settled))
      return run
    },
    async closeAll() {
      runs.abort(new RunError('aborted', 'the test ended while the pipeline ran'))
      runs = new AbortController()
      // runPipeline stops its threads and proxies itself once aborted; wait for that here.
      await Promise.all(running)
    },
  }
}
