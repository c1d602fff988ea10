/**
 * Public types of the impairment proxies.
 * The control API and the CLI build on these names; keep them stable.
 */

/** Which transport the proxy carries. A QUIC node is reached through a 'udp' proxy. */
export type ProxyProtocol = 'tcp' | 'udp'

/** A duration: a number of milliseconds, or a string such as '500ms', '2s', '1m'. */
export type Duration = number | string

// Each impairment's parameters live in its module under impairments/; they are re-exported here so
// every public import of these names keeps working.
export type { BandwidthImpairment } from './impairments/bandwidth.js'
export type { Direction, ImpairmentCommon } from './impairments/common.js'
export type { CorruptImpairment } from './impairments/corrupt.js'
export type { CutoffImpairment } from './impairments/cutoff.js'
export type { DuplicateImpairment } from './impairments/duplicate.js'
export type { Impairment, ImpairmentKind } from './impairments/index.js'
export type { LatencyImpairment } from './impairments/latency.js'
export type { LimitDataImpairment } from './impairments/limit-data.js'
export type { LossImpairment } from './impairments/loss.js'
export type { OutageImpairment } from './impairments/outage.js'
export type { PredialImpairment } from './impairments/predial.js'
export type { ReorderImpairment } from './impairments/reorder.js'
export type { ResetImpairment } from './impairments/reset.js'
export type { SlicerImpairment } from './impairments/slicer.js'
export type { SlowCloseImpairment } from './impairments/slow-close.js'
export type { StallImpairment } from './impairments/stall.js'

import type { EventBus } from '../run/events.js'
import type { Impairment } from './impairments/index.js'

/** An impairment active on a proxy; pass it to remove(). */
export interface ImpairmentHandle {
  readonly id: number
  readonly name: string
  /** The impairment with defaults filled in and durations in ms. */
  readonly impairment: Impairment
}

/** Something a proxy can stand in front of: a fabric node, a URL string, or 'host:port'. */
export type ProxyTargetInput = string | { url: string; host?: string; port?: number; maxPayload?: number }

/** The resolved target. */
export interface ProxyTarget {
  /** 'tcp', 'quic' or 'udp'. */
  scheme: string
  host: string
  port: number
  url: string
  /** The frame limit of the in-process node given as the target, when it was one. */
  maxPayload?: number
}

export interface ProxyOptions {
  protocol: ProxyProtocol
  target: ProxyTargetInput
  /** 'host:port' or a port number; default 127.0.0.1 on an ephemeral port. */
  listen?: string | number
  /** Seed of every random choice (jitter, loss, toxicity, reorder). Default DEFAULT_SEED. */
  seed?: number
  /** Active from the first connection on. */
  impairments?: Impairment[]
  /** UDP: close a client flow's upstream socket after this long without datagrams. Default 60 s. */
  idleTimeout?: Duration
  /** How many closed connection records stats() keeps. Default 1000. */
  maxRecords?: number
  /**
   * Keep the event loop polling for this long after traffic (µs, 0-10000, default 200; 0 turns
   * it off), so a reply is forwarded without waiting for the thread to wake. See docs/proxy.md.
   */
  busyPollUs?: number
  /** Where the proxy publishes impairment changes, schedule steps and its close. Default defaultEventBus. */
  events?: EventBus
}

/** How a connection (TCP) or flow (UDP) ended. */
export type ConnectionEnd =
  | 'open'
  | 'closed' // both sides finished cleanly
  | 'client-reset' // the client went away abruptly
  | 'target-reset' // the target went away abruptly
  | 'dial-failed'
  | 'refused' // outage refuse
  | 'blackholed' // accepted into an outage blackhole, then closed by the client
  | 'outage' // an existing connection cut by an outage with cutExisting
  | 'cutoff'
  | 'limit-data'
  | 'reset' // reset impairment
  | 'timeout' // stall with timeoutMs
  | 'idle' // UDP flow idle
  | 'proxy-closed'

/** One connection (TCP) or client flow (UDP). */
export interface ConnectionRecord {
  id: number
  /** Client 'host:port'. */
  client: string
  /** Epoch ms. */
  openedAt: number
  durationMs: number
  bytesUpstream: number
  bytesDownstream: number
  end: ConnectionEnd
  error?: string
}

/**
 * Counters. The first six are the lab's schema (bytes_fwd, conn_accepted, ... in camelCase):
 * bytesFwd counts bytes forwarded client -> target (the lab's primary direction), connDropped counts
 * connections the proxy closed itself (refused, cut, reset, dial failure), lastConnBytes/lastConnMs describe
 * the last finished connection, so throughput = lastConnBytes * 1000 / lastConnMs bytes per second.
 */
export interface ProxyStats {
  bytesFwd: number
  connAccepted: number
  connDropped: number
  activeConn: number
  lastConnBytes: number
  lastConnMs: number
  /** Bytes delivered to the target. */
  bytesUpstream: number
  /** Bytes delivered to clients. */
  bytesDownstream: number
  /** Open connections first, then the most recent closed ones. */
  connections: ConnectionRecord[]
  /** UDP datagram counters (zero on TCP proxies). */
  packetsIn: number
  packetsOut: number
  packetsDropped: number
  packetsDuplicated: number
  packetsReordered: number
  packetsCorrupted: number
}

/** A running flap or timeline. */
export interface ScheduleHandle {
  /** Resolves when the schedule ran to its end or was cancelled. */
  readonly done: Promise<void>
  cancel(): void
}

export interface FlapOptions {
  /** How long the target is reachable in each cycle. */
  up: Duration
  /** How long each outage lasts. */
  down: Duration
  /** Number of down/up cycles, 1..10000. Each starts with the outage. */
  cycles: number
  /** Outage mode, default as `outage`. */
  mode?: 'refuse' | 'blackhole'
  cutExisting?: boolean
}

/** One step of a timeline: at `at` after the start, replace the impairments with `set`. */
export interface TimelineStep {
  at: Duration
  set: Impairment[]
}

/** An in-process TCP or UDP proxy in front of one target. */
export interface ImpairmentProxy {
  readonly protocol: ProxyProtocol
  /** Keeps the target's scheme (a UDP proxy in front of quic:// is quic://), so it stands wherever the node can. */
  readonly url: string
  readonly host: string
  readonly port: number
  readonly target: ProxyTarget
  /** Largest DATA payload the in-process node behind the proxy accepts, when the target was one; a load refuses a larger payloadSize before it starts. */
  readonly maxPayload?: number | undefined
  readonly seed: number
  /** Replace all impairments. Takes effect on live traffic before it returns. */
  set(impairments: Impairment[]): ImpairmentHandle[]
  /** Add one impairment. */
  add(impairment: Impairment): ImpairmentHandle
  /** Change fields of an active impairment in place (kind and name stay). */
  update(handle: ImpairmentHandle | string, patch: Partial<Impairment>): ImpairmentHandle
  /** Remove one impairment; false when it was not active. */
  remove(handle: ImpairmentHandle | string): boolean
  /** Remove every impairment and cancel flap/timeline schedules. */
  clear(): void
  /** The active impairments, in the order they apply. */
  list(): ImpairmentHandle[]
  stats(): ProxyStats
  /** Zero the counters and forget closed connection records (the lab's POST /reset). */
  reset(): void
  flap(options: FlapOptions): ScheduleHandle
  timeline(steps: TimelineStep[]): ScheduleHandle
  /** Stop listening, close every connection, cancel schedules. */
  close(): Promise<void>
}
