import type { Recorder } from './recorder.js'

/** A report's verdict and the reasons behind a fail (empty on pass). */
export interface Verdict {
  verdict: 'pass' | 'fail'
  verdictReasons: string[]
}

/** What the runner knows of a run when the workload merges its partials. */
export interface RunSpan {
  startedAt: Date
  finishedAt: Date
}

/** What a workload's worker side is given besides its task. */
export interface WorkerContext {
  /** This worker's index among the run's workers. */
  index: number
  /** Epoch ms at which the run started. */
  runStartedAt: number
}

/** The half of a workload that runs in a worker thread (the default export of its worker module). */
export interface WorkerSide<Task, Partial> {
  /** Run one worker's share until done or `signal` aborts; return plain data for merge(). */
  run(task: Task, signal: AbortSignal, recorder: Recorder, context: WorkerContext): Promise<Partial>
}

/**
 * A workload: what the runner needs to take a config to a report with a verdict.
 * config -> validate -> plan (one task per worker) -> workers run -> merge -> verdict.
 */
export interface Workload<Config, Resolved, Task, Partial, Input extends object> {
  /** Short name used in events, errors and the worker protocol ('load', 'traffic', ...). */
  readonly name: string
  /** URL of the worker module (built .js next to the workload; the runner maps it to .ts in sources). */
  readonly worker: URL
  /** Check the config and fill defaults; throws a FieldError naming the first bad field. */
  validate(config: Config): Resolved
  /** Split the run into one task per worker thread. */
  plan(config: Resolved): Task[]
  /** Longest the workers may take before the runner gives up on them (ms). */
  deadlineMs(config: Resolved): number
  /** Side effects while the workers run (e.g. killing a target); returns its cleanup. */
  during?(config: Resolved, input: Config): () => void
  /** Merge the workers' partials into the report's body (everything but timeline, events and verdict). */
  merge(config: Resolved, partials: Partial[], span: RunSpan, input: Config): Input
  /** Judge the report body (timeline and events included). */
  verdict(input: Input & RunRecord): Verdict
  /** What "done" means while it runs (progress lines): which counters, out of how many. */
  progress?(config: Resolved): ProgressMeasure
}

/** How a run's progress is read from its counters. */
export interface ProgressMeasure {
  /** Counters whose sum is the work done so far (e.g. streamsOk + streamsFailed). */
  counters: readonly string[]
  /** What they count, plural ('streams', 'packets'). */
  unit: string
  /** How many there will be in all, when the config says so. */
  total?: number
  /** How long the run is planned to last (ms), when the config says so. */
  durationMs?: number
}

/** What the runner adds to every report. */
export interface RunRecord {
  /** Per-interval samples of the run (see TimelineSample). */
  timeline: import('./timeline.js').TimelineSample[]
  /** What happened during the run, `at` in ms after its start. */
  events: ReportEvent[]
}

/** An event as a report keeps it: `at` in ms after the run started. */
export interface ReportEvent {
  at: number
  source: string
  type: string
  [detail: string]: unknown
}
