// The one runner of every workload: validate -> plan -> tinypool workers (with a port each for
// samples and events) -> merge -> timeline and events -> verdict.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import Tinypool from 'tinypool'
import { FieldError, rejectUnknownKeys } from '../errors/field-error.js'
import { RunError } from '../errors/kinds.js'
import { defaultEventBus, type EventBus, nowMs } from './events.js'
import type { MainMessage, TaskMessage, TaskResult, WorkerMessage } from './protocol.js'
import { TimelineBuilder } from './timeline.js'
import type { ProgressMeasure, ReportEvent, RunRecord, Verdict, Workload } from './workload.js'

/** How long an aborted run's workers get to close their sockets before their threads are ended. */
const STOP_GRACE_MS = 1000

/** Default length of one timeline interval. */
export const DEFAULT_SAMPLE_INTERVAL_MS = 100

/** Options of one run that are not part of its recorded config. */
export interface RunOptions {
  /** Abort the run: its worker threads are terminated and the promise rejects with kind 'aborted'. */
  signal?: AbortSignal
  /** Where the run's events come from and go to; default the process-wide bus. */
  events?: EventBus
  /** Length of one timeline interval in ms; default 100. */
  sampleIntervalMs?: number
  /** Called as the workers' samples arrive, with the counters summed over the run so far. */
  onProgress?: (progress: RunProgress) => void
}

const RUN_OPTION_KEYS = Object.keys({
  signal: true,
  events: true,
  sampleIntervalMs: true,
  onProgress: true,
} satisfies Record<keyof RunOptions, true>)

/** How far a run is: ms since it started and its counters so far (bytes, streamsOk, errors, ...). */
export interface RunProgress {
  /** The workload's name ('load', 'traffic', ...). */
  workload: string
  elapsedMs: number
  totals: Record<string, number>
  /** The work done so far, in the workload's own unit (streams, packets), when it says what that is. */
  done?: number
  /** What `done` counts, and the planned total and duration where the config gives them. */
  measure?: ProgressMeasure
}

// Under quicksand's own tests the modules run from src/*.ts: the workers then run the sources
// too (through tsx), so a test always exercises the code it imports, never a stale build.
const FROM_SOURCES = import.meta.url.endsWith('.ts')

/** The tinypool entry file for this copy of quicksand. */
function entryFile(): string {
  const entry = new URL(FROM_SOURCES ? './source-worker.mjs' : './worker.js', import.meta.url)
  if (!existsSync(entry)) {
    throw new Error(`quicksand's worker entry is missing (${fileURLToPath(entry)}); reinstall the package`)
  }
  return fileURLToPath(entry)
}

/** The URL a worker imports a workload's worker side from (its .ts source under the sources). */
function workerModule(url: URL): string {
  return FROM_SOURCES ? url.href.replace(/\.js$/, '.ts') : url.href
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}

/** Why a run was aborted, in words: "the test ended while it ran". */
function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason
  if (reason instanceof Error && reason.name !== 'AbortError') return reason.message
  if (typeof reason === 'string') return reason
  return 'its AbortSignal fired'
}

/** Run a workload from tinypool worker threads and return its report with timeline, events and verdict. */
export async function runWorkload<Config, Resolved, Task, Partial, Input extends object>(
  workload: Workload<Config, Resolved, Task, Partial, Input>,
  config: Config,
  options: RunOptions = {},
): Promise<Input & RunRecord & Verdict> {
  rejectUnknownKeys(options, RUN_OPTION_KEYS, 'run options')
  const { signal } = options
  const interval = options.sampleIntervalMs ?? DEFAULT_SAMPLE_INTERVAL_MS
  if (!Number.isInteger(interval) || interval < 10 || interval > 60_000) {
    throw new FieldError('sampleIntervalMs', interval, 'an integer from 10 to 60000 (ms)')
  }
  const resolved = workload.validate(config)
  if (signal?.aborted) throw new RunError('aborted', `${workload.name} aborted: ${abortReason(signal)}`)
  const tasks = workload.plan(resolved)
  const bus = options.events ?? defaultEventBus
  const filename = entryFile()
  const runStartedAt = nowMs()
  const startedAt = new Date(runStartedAt)
  const timeline = new TimelineBuilder(interval)
  const source = workload.name
  const ports: MessagePort[] = []
  // What a workload does during the run (kill a target after failAfter) counts from when every
  // worker is ready, so thread start-up does not eat into it, as it does not eat into duration.
  let ready = 0
  let cleanup: (() => void) | undefined
  let finished = false
  const startDuring = () => {
    if (!finished) cleanup = workload.during?.(resolved, config)
  }
  const totals: Record<string, number> = {}
  const measure = options.onProgress ? workload.progress?.(resolved) : undefined
  const progress = (counters: Record<string, number>) => {
    if (!options.onProgress) return
    for (const [name, n] of Object.entries(counters)) totals[name] = (totals[name] ?? 0) + n
    const update: RunProgress = {
      workload: workload.name,
      elapsedMs: round3(nowMs() - runStartedAt),
      totals: { ...totals },
    }
    if (measure) {
      update.measure = measure
      update.done = measure.counters.reduce((sum, name) => sum + (totals[name] ?? 0), 0)
    }
    options.onProgress(update)
  }
  const portsEnded: Array<Promise<void>> = []
  const messages = tasks.map((task, index): [TaskMessage<Task>, MessagePort] => {
    const { port1, port2 } = new MessageChannel()
    ports.push(port1)
    let ended: () => void = () => undefined
    portsEnded.push(new Promise((resolve) => (ended = resolve)))
    port1.on('message', (message: WorkerMessage) => {
      if (message.type === 'sample') {
        timeline.add(index, message)
        progress(message.counters)
      } else if (message.type === 'event') bus.emit({ ...message.event, source, worker: index })
      else if (message.type === 'ready' && ++ready === tasks.length) startDuring()
      else if (message.type === 'end') ended()
    })
    const body = {
      workload: workerModule(workload.worker),
      name: workload.name,
      task,
      index,
      runStartedAt,
      sampleIntervalMs: interval,
      port: port2,
    }
    return [body, port2]
  })
  const pool = new Tinypool({
    filename,
    minThreads: tasks.length,
    maxThreads: tasks.length,
    concurrentTasksPerWorker: 1,
  })
  let overrun: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  let results: TaskResult<Partial>[]
  let runs: Promise<TaskResult<Partial>>[] = []
  let settled = false
  try {
    runs = messages.map(
      ([body, port]) => pool.run(body, { transferList: [port] }) as Promise<TaskResult<Partial>>,
    )
    // Workers stop themselves at the run's timeout; these only guard against a stuck thread or an abort.
    const stopped = new Promise<never>((_, reject) => {
      overrun = setTimeout(
        () =>
          reject(
            new RunError(
              'run_timeout',
              `${workload.name} did not finish within ${workload.deadlineMs(resolved)} ms; its workers were stopped`,
            ),
          ),
        workload.deadlineMs(resolved),
      )
      onAbort = () =>
        reject(new RunError('aborted', `${workload.name} aborted: ${signal ? abortReason(signal) : ''}`))
      signal?.addEventListener('abort', onAbort, { once: true })
    })
    for (const run of runs) run.catch(() => undefined)
    results = await Promise.race([Promise.all(runs), stopped])
    settled = true
    // A worker's last samples travel on its own port, beside tinypool's: wait for each port's end.
    let lastWait: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.all(portsEnded),
      new Promise((resolve) => (lastWait = setTimeout(resolve, 1000))),
    ])
    clearTimeout(lastWait)
  } finally {
    clearTimeout(overrun)
    if (onAbort) signal?.removeEventListener('abort', onAbort)
    finished = true
    cleanup?.()
    // Aborted or overrun: ask the workers to stop and close their sockets, and give them a moment,
    // before their threads are ended (a thread ended with a UDP socket open can crash the process).
    if (!settled) {
      for (const port of ports)
        port.postMessage({ type: 'stop', reason: 'the run was stopped' } satisfies MainMessage)
      let grace: NodeJS.Timeout | undefined
      await Promise.race([
        Promise.allSettled(runs),
        new Promise((resolve) => (grace = setTimeout(resolve, STOP_GRACE_MS))),
      ])
      clearTimeout(grace)
    }
    for (const port of ports) port.close()
    await pool.destroy()
  }
  const failed = results.findIndex((result) => result.type === 'error')
  if (failed >= 0) {
    const result = results[failed] as Extract<TaskResult, { type: 'error' }>
    throw new RunError(result.kind, `${workload.name} worker ${failed} failed: ${result.message}`)
  }
  const partials = results.map((result) => (result as Extract<TaskResult<Partial>, { type: 'done' }>).partial)
  const finishedAt = nowMs()
  const input = workload.merge(resolved, partials, { startedAt, finishedAt: new Date(finishedAt) }, config)
  const events: ReportEvent[] = bus
    .between(runStartedAt, finishedAt)
    .map((event) => ({ ...event, at: round3(event.at - runStartedAt) }))
  const body = { ...input, timeline: timeline.build(), events }
  return { ...body, ...workload.verdict(body) }
}
