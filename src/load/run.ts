import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import Tinypool from 'tinypool'
import type { WorkerPartial } from './collector.js'
import { type LoadConfig, resolveConfig, type TargetLike } from './config.js'
import { buildReport } from './report.js'
import type { WorkerTask } from './stream-runner.js'
import type { LoadReport } from './types.js'
import { verdict } from './verdict/index.js'

/** The worker script: always the built JavaScript, also when this module runs from sources. */
function workerFile(): string {
  const beside = new URL('./worker.js', import.meta.url)
  if (import.meta.url.endsWith('.js') && existsSync(beside)) return fileURLToPath(beside)
  const built = new URL('../../dist/load/worker.js', import.meta.url)
  if (existsSync(built)) return fileURLToPath(built)
  throw new Error(
    `quicksand's load worker is missing (${fileURLToPath(built)}); build the package first (npm run build)`,
  )
}

function channelsActiveOn(target: TargetLike | string): number | undefined {
  if (typeof target === 'string' || typeof target.stats !== 'function') return undefined
  const stats = target.stats() as { channelsActive?: unknown }
  return typeof stats?.channelsActive === 'number' ? stats.channelsActive : undefined
}

/** Options of one run that are not part of its recorded config. */
export interface RunOptions {
  /** Abort the run: its worker threads are terminated and the promise rejects. */
  signal?: AbortSignal
}

/** Run a load against fabric targets from tinypool worker threads and return the report with its verdict. */
export async function runLoad(config: LoadConfig, options: RunOptions = {}): Promise<LoadReport> {
  const resolved = resolveConfig(config)
  const { signal } = options
  signal?.throwIfAborted()
  const filename = workerFile()
  const workers = Math.min(resolved.workers, resolved.concurrency)
  const startedAt = new Date()
  const tasks: WorkerTask[] = Array.from({ length: workers }, (_, index) => ({
    config: resolved,
    index,
    workers,
    concurrency:
      Math.floor(resolved.concurrency / workers) + (index < resolved.concurrency % workers ? 1 : 0),
    runStartedAt: startedAt.getTime(),
  }))
  const pool = new Tinypool({
    filename,
    minThreads: workers,
    maxThreads: workers,
    concurrentTasksPerWorker: 1,
  })
  const failTimer =
    resolved.failTarget >= 0
      ? setTimeout(() => {
          void (config.targets[resolved.failTarget] as TargetLike).kill?.()
        }, resolved.failAfterMs)
      : undefined
  let overrun: NodeJS.Timeout | undefined
  let partials: WorkerPartial[]
  try {
    // Workers stop themselves at the run's timeout; this only guards against a stuck thread.
    const guard = new Promise<never>((_, reject) => {
      overrun = setTimeout(
        () => reject(new Error(`load run did not finish within its timeout of ${resolved.timeoutMs} ms`)),
        resolved.timeoutMs + 15_000,
      )
    })
    partials = await Promise.race([
      Promise.all(tasks.map((task) => pool.run(task, signal ? { signal } : {}) as Promise<WorkerPartial>)),
      guard,
    ])
  } finally {
    clearTimeout(overrun)
    clearTimeout(failTimer)
    await pool.destroy()
  }
  const nodeChannelsActive: Record<string, number> = {}
  config.targets.forEach((target, i) => {
    const active = channelsActiveOn(target)
    if (active !== undefined) nodeChannelsActive[resolved.targets[i]!] = active
  })
  const report = buildReport(resolved, partials, startedAt, new Date(), nodeChannelsActive)
  const outcome = verdict(report)
  report.verdict = outcome.verdict
  report.verdictReasons = outcome.verdictReasons
  return report
}
