// The messages between the main thread and a workload's worker threads, in one place.
// A task goes to the worker through tinypool with a MessagePort; while it runs the worker streams
// samples and events over that port; its result (done or error) comes back as tinypool's result.
import type { MessagePort } from 'node:worker_threads'
import type { ErrorKind } from '../errors/kinds.js'

/** What the main thread hands one worker: the workload's worker module, its share, and a port. */
export interface TaskMessage<Task = unknown> {
  /** URL of the module whose default export is the workload's WorkerSide. */
  workload: string
  /** Name of the workload, for events and errors ('load', 'traffic', ...). */
  name: string
  task: Task
  /** This worker's index among the run's workers. */
  index: number
  /** Epoch ms at which the run started: interval numbers and deadlines count from here. */
  runStartedAt: number
  /** Length of one timeline interval in ms. */
  sampleIntervalMs: number
  port: MessagePort
}

/** Counts, levels and latencies of one interval of one worker. */
export interface SampleMessage {
  type: 'sample'
  /** Interval number: floor((at - runStartedAt) / sampleIntervalMs). */
  interval: number
  /** Amounts that add up across intervals and workers (bytes, streams, errors). */
  counters: Record<string, number>
  /** Levels at the interval's end that add up across workers (streams in flight). */
  gauges: Record<string, number>
  /** Encoded latency histograms of the interval (LatencyHistogram.encode). */
  histograms: Record<string, string>
}

/** Something that happened in a worker (a failover, a migration). */
export interface EventMessage {
  type: 'event'
  event: { at: number; type: string; [detail: string]: unknown }
}

/** The worker has loaded its workload and starts running its task. */
export interface ReadyMessage {
  type: 'ready'
}

/** The worker's last message on its port: everything it recorded has been sent. */
export interface EndMessage {
  type: 'end'
}

/** Every message a worker sends over its port while it runs. */
export type WorkerMessage = SampleMessage | EventMessage | ReadyMessage | EndMessage

/** Every message the main thread sends to a running worker. */
export type MainMessage = { type: 'stop'; reason: string }

/** How a worker's task ended: its partial result, or a classified failure. */
export type TaskResult<Partial = unknown> =
  | { type: 'done'; partial: Partial }
  | { type: 'error'; kind: ErrorKind; message: string }
