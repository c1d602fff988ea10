// The traffic workload's worker side: runs its share of ctraffic's connection slots, polls the
// kernel's retransmit figures while they run, and returns every connection's record.
import { setMaxListeners } from 'node:events'
import type net from 'node:net'
import { getHeapStatistics } from 'node:v8'
import { nowMs } from '../run/events.js'
import type { Recorder } from '../run/recorder.js'
import type { WorkerContext, WorkerSide } from '../run/workload.js'
import { runSlot, type SlotContext } from './client.js'
import type { ResolvedTrafficConfig } from './config.js'
import type { ConnStats } from './conn-stats.js'
import { DialGate } from './dial-gate.js'
import type { TrafficWindow } from './report.js'
import { readRetransmits } from './retransmits.js'
import { Tally, type TrafficCounters } from './tally.js'
import { runUdpSlot } from './udp-echo.js'

/** One worker's share of a traffic run. */
export interface TrafficTask {
  config: ResolvedTrafficConfig
  /** How many of the nconn slots this worker runs. */
  slots: number
}

/** One worker's memory at the second it held the most connections. */
export interface WorkerMemory {
  /** JS heap of the worker's thread above what it used before its first connection. */
  heapBytes: number
  /** Connections up at that second. */
  connections: number
  /** The whole process's resident set then. */
  rssBytes: number
}

/** What one worker returns. */
export interface TrafficPartial {
  conns: ConnStats[]
  counters: TrafficCounters
  /** The worker's RTT histogram, encoded (LatencyHistogram.encode). */
  rtt: string
  /** When this worker's traffic began and was due to end, ms after the run started. */
  window: TrafficWindow
  memory: WorkerMemory
  /** Why the kernel's retransmit figures could not be read; absent when they were. */
  retransmitsReason?: string
}

/** How often the kernel's figures are read while connections run (failed ones keep their last). */
const RETRANSMIT_POLL_MS = 1000

async function runTraffic(
  task: TrafficTask,
  signal: AbortSignal,
  recorder: Recorder,
  context: WorkerContext,
): Promise<TrafficPartial> {
  const { config } = task
  // Every slot waits on the run's signal (pauses, dials): thousands of listeners are expected.
  setMaxListeners(0, signal)
  const tally = new Tally(recorder)
  // The traffic runs its full duration from the moment this worker is ready: thread start-up
  // must not eat into it (ctraffic's own clock starts in its process).
  const startedAt = nowMs()
  const open = new Map<ConnStats, net.Socket>()
  const ctx: SlotContext = {
    config,
    tally,
    signal,
    runStartedAt: context.runStartedAt,
    deadline: startedAt + config.durationMs,
    conns: [],
    maxConns: task.slots * config.retries,
    open,
    dials: new DialGate(),
  }
  let reason: string | undefined
  let readings = 0
  const readKernel = async () => {
    if (config.udp || open.size === 0) return
    const reading = await readRetransmits(config.address)
    if (!reading.ok) {
      reason = reading.reason
      return
    }
    readings++
    for (const [stats, socket] of open) {
      const local = socket.localAddress === undefined ? undefined : stats.Local
      const total = local === undefined ? undefined : reading.byLocal.get(local)
      if (total !== undefined) stats.Retransmits = total
    }
  }
  // Memory: this thread's JS heap above its start, at the second with the most connections up.
  const heapAtStart = getHeapStatistics().used_heap_size
  const memory: WorkerMemory = { heapBytes: 0, connections: 0, rssBytes: 0 }
  const sampleMemory = () => {
    if (tally.activeConnections === 0 || tally.activeConnections < memory.connections) return
    memory.connections = tally.activeConnections
    memory.heapBytes = Math.max(0, getHeapStatistics().used_heap_size - heapAtStart)
    memory.rssBytes = process.memoryUsage.rss()
  }
  let polling: Promise<void> = Promise.resolve()
  const poll = setInterval(() => {
    sampleMemory()
    polling = polling.then(readKernel)
  }, RETRANSMIT_POLL_MS)
  try {
    const slot = config.udp ? runUdpSlot : runSlot
    await Promise.all(Array.from({ length: task.slots }, () => slot(ctx)))
    clearInterval(poll)
    await polling
    await readKernel()
  } finally {
    tally.close()
    clearInterval(poll)
    for (const socket of open.values()) socket.destroy()
  }
  const window = { startMs: startedAt - context.runStartedAt, endMs: ctx.deadline - context.runStartedAt }
  const partial: TrafficPartial = {
    conns: ctx.conns,
    counters: tally.counters,
    rtt: tally.rtt.encode(),
    window,
    memory,
  }
  if (config.udp) partial.retransmitsReason = 'UDP has no retransmits'
  // A missed poll only leaves some connections unread (counted in the report); no reading at all is no figure.
  else if (reason !== undefined && readings === 0) partial.retransmitsReason = reason
  return partial
}

/** The traffic workload's worker side. */
const trafficWorker: WorkerSide<TrafficTask, TrafficPartial> = { run: runTraffic }

export default trafficWorker
