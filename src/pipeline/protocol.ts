import type { HopCounters } from './config.js'

// The messages between runPipeline (the test's thread) and the pipeline's worker threads.

/** What a generator thread is told. */
export interface GeneratorData {
  role: 'generator'
  host: string
  targetHost: string
  targetPort: number
  pps: number
  total: number
  packetSize: number
}

/** What a hop thread is told. */
export interface HopData {
  role: 'hop'
  hop: number
  host: string
  forwardHost: string
  forwardPort: number
  bufferPackets: number
  delayUs: number
  packetSize: number
  recvBufferBytes: number
  /** Port to receive on (0: any free one). */
  bindPort: number
}

/** What the sink thread is told. */
export interface SinkData {
  role: 'sink'
  host: string
  packetSize: number
  /** Packets expected, to size the sequence bitmap up front. */
  expected: number
  recvBufferBytes: number
  /** Port to receive on (0: any free one). */
  bindPort: number
}

/** Any thread's start data. */
export type PipelineWorkerData = GeneratorData | HopData | SinkData

/** The sink's counters. */
export interface SinkCounters {
  /** Datagrams read. */
  received: number
  /** Distinct sequence numbers received intact. */
  delivered: number
  /** Intact packets whose sequence number had arrived before. */
  duplicated: number
  /** Intact packets that arrived after a higher sequence number. */
  reordered: number
  /** Pipeline packets whose checksum or length did not match. */
  corrupted: number
  parseErrors: number
  parseLost: number
}

/** The generator's result. */
export interface GeneratorResult {
  generated: number
  sendErrors: number
  elapsedMs: number
}

/** Main thread -> worker. */
export type ToWorker = { type: 'start' } | { type: 'stats' } | { type: 'close' }

/** Worker -> main thread. */
export type FromWorker =
  | { type: 'ready'; port: number; recvBufferBytes: number }
  | { type: 'stats'; counters: HopCounters | SinkCounters }
  | { type: 'done'; result: GeneratorResult }
  | { type: 'closed' }
  | { type: 'failed'; message: string }
