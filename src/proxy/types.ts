/**
 * Public types of the impairment proxies.
 * The control API and the CLI build on these names; keep them stable.
 */

/** Which transport the proxy carries. A QUIC node is reached through a 'udp' proxy. */
export type ProxyProtocol = 'tcp' | 'udp'

/** A duration: a number of milliseconds, or a string such as '500ms', '2s', '1m'. */
export type Duration = number | string

/**
 * Which way an impairment acts. 'upstream' is client -> target, 'downstream' is target -> client
 * (toxiproxy's stream names). Impairments without a direction default to 'downstream' as in
 * toxiproxy, except `cutoff`, which defaults to 'upstream' as the lab's cutoff mode does.
 */
export type Direction = 'upstream' | 'downstream' | 'both'

/** Fields every impairment may carry. */
export interface ImpairmentCommon {
  /** Unique per proxy; defaults to `${kind}_${direction}` as toxiproxy names toxics. */
  name?: string
  /** Ignored by connection-level impairments (outage, predial). */
  direction?: Direction
  /** Probability 0..1 that a connection (TCP) or a client flow (UDP) is affected. Default 1. */
  toxicity?: number
}

/** Target unreachable. TCP: 'refuse' closes each new connection at once, 'blackhole' accepts and swallows. UDP: blackhole only. */
export interface OutageImpairment extends ImpairmentCommon {
  kind: 'outage'
  /** Default 'refuse' for TCP, 'blackhole' for UDP. */
  mode?: 'refuse' | 'blackhole'
  /** Also cut connections already open when the outage starts (refuse: close them; blackhole: swallow their bytes). Default false. */
  cutExisting?: boolean
}

/** A link of limited rate: an N-byte transfer takes N x 8 / bitsPerSecond seconds. */
export interface BandwidthImpairment extends ImpairmentCommon {
  kind: 'bandwidth'
  bitsPerSecond: number
  /** 'connection' (default, as toxiproxy): each connection has its own link; 'proxy': all connections share one link per direction. */
  scope?: 'connection' | 'proxy'
  /** UDP only: bytes a direction may queue before further datagrams are dropped (tail drop). Default 64 KiB. */
  queueBytes?: number
}

/** Delay each chunk (TCP) or datagram (UDP) by ms +/- jitter; order is preserved. */
export interface LatencyImpairment extends ImpairmentCommon {
  kind: 'latency'
  ms: Duration
  jitterMs?: Duration
  /** How jitter is drawn: 'uniform' in [-jitter, +jitter] (default, as toxiproxy), 'normal' with sd = jitter, 'pareto' a heavy tail above ms. */
  distribution?: 'uniform' | 'normal' | 'pareto'
}

/** TCP: wait before dialling the target, as the lab's delay mode. */
export interface PredialImpairment extends ImpairmentCommon {
  kind: 'predial'
  ms: Duration
}

/** TCP: close the connection after forwarding this many bytes in the direction (default upstream, as the lab's cutoff mode). */
export interface CutoffImpairment extends ImpairmentCommon {
  kind: 'cutoff'
  afterBytes: number
}

/** TCP: reset both sides (RST) after timeoutMs (0 = at once), as toxiproxy's reset_peer. */
export interface ResetImpairment extends ImpairmentCommon {
  kind: 'reset'
  timeoutMs?: Duration
}

/** TCP: delay the close (FIN) by delayMs after the data, as toxiproxy's slow_close. */
export interface SlowCloseImpairment extends ImpairmentCommon {
  kind: 'slowClose'
  delayMs: Duration
}

/**
 * TCP: keep the connection open and forward nothing, as toxiproxy's timeout toxic.
 * timeoutMs 0 (default) holds the bytes until the stall is removed; otherwise the connection is closed after it.
 */
export interface StallImpairment extends ImpairmentCommon {
  kind: 'stall'
  timeoutMs?: Duration
}

/** TCP: split data into pieces of averageSize +/- sizeVariation bytes, delayUs apart, as toxiproxy's slicer. */
export interface SlicerImpairment extends ImpairmentCommon {
  kind: 'slicer'
  averageSize: number
  sizeVariation?: number
  delayUs?: number
}

/** TCP: close the connection once this many bytes went through the direction, as toxiproxy's limit_data. */
export interface LimitDataImpairment extends ImpairmentCommon {
  kind: 'limitData'
  bytes: number
}

/** UDP: drop datagrams. 'gilbert-elliott' drops in bursts whose mean length is burstLength, at the same average rate. */
export interface LossImpairment extends ImpairmentCommon {
  kind: 'loss'
  rate: number
  model?: 'uniform' | 'gilbert-elliott'
  /** Mean burst length in datagrams for 'gilbert-elliott'. Default 4. */
  burstLength?: number
}

/** UDP: hold back a fraction of datagrams by delayMs so later ones overtake them. */
export interface ReorderImpairment extends ImpairmentCommon {
  kind: 'reorder'
  rate: number
  /** How long a held-back datagram waits. Default 10 ms. */
  delayMs?: Duration
}

/** UDP: send a fraction of datagrams twice. */
export interface DuplicateImpairment extends ImpairmentCommon {
  kind: 'duplicate'
  rate: number
}

/** UDP: flip one random bit in a fraction of datagrams. */
export interface CorruptImpairment extends ImpairmentCommon {
  kind: 'corrupt'
  rate: number
}

/** Every impairment a proxy accepts. */
export type Impairment =
  | OutageImpairment
  | BandwidthImpairment
  | LatencyImpairment
  | PredialImpairment
  | CutoffImpairment
  | ResetImpairment
  | SlowCloseImpairment
  | StallImpairment
  | SlicerImpairment
  | LimitDataImpairment
  | LossImpairment
  | ReorderImpairment
  | DuplicateImpairment
  | CorruptImpairment

export type ImpairmentKind = Impairment['kind']

/** An impairment active on a proxy; pass it to remove(). */
export interface ImpairmentHandle {
  readonly id: number
  readonly name: string
  /** The impairment with defaults filled in and durations in ms. */
  readonly impairment: Impairment
}

/** Something a proxy can stand in front of: a fabric node, a URL string, or 'host:port'. */
export type ProxyTargetInput = string | { url: string; host?: string; port?: number }

/** The resolved target. */
export interface ProxyTarget {
  /** 'tcp', 'quic' or 'udp'. */
  scheme: string
  host: string
  port: number
  url: string
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
