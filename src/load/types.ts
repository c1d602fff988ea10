import type { MultipathStats } from '../multipath/connection.js'
import type { RunRecord } from '../run/workload.js'
import type { ResourceSample, ResourceSummary } from './resources.js'

/** Counters every worker keeps per target and the report sums, with the report's names. */
export const TARGET_COUNTERS = [
  'streams',
  'failedStreams',
  'bytes',
  'frames',
  'acks',
  'channelOpens',
  'channelCloses',
  'errors',
  'degradedEvents',
  'failoverEntrypoint',
] as const

export type TargetCounters = Record<(typeof TARGET_COUNTERS)[number], number>

/** Per-target counters in a report, keyed by target URL. */
export interface TargetStats extends TargetCounters {
  ackP50Ms: number
  ackP95Ms: number
  maxAckMs: number
  setupP95Ms: number
  /** The reference's names: bytesSent, framesSent and acksReceived repeat bytes, frames and acks. */
  bytesSent: number
  framesSent: number
  acksReceived: number
  setupLatencyP50Ms: number
  setupLatencyP95Ms: number
  /** Durations of successful streams that ended on this target. */
  durationP50Ms: number
  durationP95Ms: number
  /** Streams placed here first that then failed over elsewhere. */
  failoverEntrypoint: number
  /** Most attempts holding this target at once (routePressure.maxActive). */
  maxActiveChannels: number
  /** Successful streams that ended here, by the target's route mode. */
  routeModes: Record<string, number>
  /** The node's own view at the end of the run, when the target is an in-process node. */
  nodeChannelsActive?: number
}

/** Route (target) pressure: how many streams held a route at once, and acquire/release balance. */
export interface RoutePressure {
  acquiredTotal: number
  releasedTotal: number
  activeTotal: number
  /** Active acquisitions left per target URL at the end (empty when balanced). */
  active: Record<string, number>
  maxActiveTotal: number
  maxActive: Record<string, number>
}

/** A target's probe before placement: median PING→PONG time over an established connection. */
export interface TargetProbe {
  target: string
  /** Median RTT in ms (connection set-up not included); 0 when the probe failed. */
  rttMs: number
  /** Why the probe failed (an error kind and message). */
  error?: string
  /** Whether the target got streams: it answered, within maxTargetRttMs when set. */
  usable: boolean
}

/** One logical stream's outcome, as sampled into the report (the reference's stream fields, and quicksand's). */
export interface StreamSample {
  stream: number
  /** The reference's name of `stream`. */
  streamIndex: number
  /** The stream id its OPEN frames carry. */
  logicalStream: number
  /** The target it was placed on first, and where it ended. */
  initialTarget: string
  target: string
  /** Every target its attempts took, in order. */
  targetAttempts: string[]
  class: 'control' | 'bulk'
  /** The reference's name of `class`. */
  trafficClass: 'control' | 'bulk'
  ok: boolean
  /** Payload bytes acknowledged (also as `bytesSent`), DATA frames sent, ACKs received. */
  bytes: number
  bytesSent: number
  frames: number
  framesSent: number
  acksReceived: number
  /** The slowest ACK of the stream (ms). */
  maxAckMs: number
  /** Attempts that failed and moved on (migrations not counted). */
  failoverCount: number
  /** The slowest channel setup among the attempts after the first (ms), when it was rerouted. */
  rerouteLatencyMs?: number
  /** From its first failed attempt's error to its next acknowledged byte (ms), when it failed over. */
  recoveryMs?: number
  /** When that byte was acknowledged, in ms after the run started. */
  recoveredAtMs?: number
  shortSession: boolean
  /** The route mode of the target the stream ended on. */
  routeMode: string
  attempts: number
  /** Times the stream moved on after a slow ACK (migrateSlowStreams). */
  migrationCount: number
  /** An ACK of this stream was over maxAckMs (its target was marked degraded). */
  degraded: boolean
  setupMs: number
  durationMs: number
  error?: string
}

/** A stream that failed over, and how long it took from the failure to its next acknowledged byte. */
export interface RecoverySample {
  stream: number
  from: string
  to: string
  recoveryMs: number
}

/** Connection and channel counters of the run's client side, and each in-process node's stats. */
export interface TransportSnapshot {
  connectionsOpened: number
  connectFailures: number
  channelOpens: number
  channelCloses: number
  /** Channels the client still had open at the end. */
  activeChannels: number
  /** An in-process node's stats() at the end, by target URL. */
  nodes: Record<string, unknown>
  /** Multipath targets only: each connection's stats (per-path counters, RTT, longest ACK gap), by target URL. */
  multipath?: Record<string, MultipathStats[]>
}

/** The resolved config, as recorded in a report (durations in ms, targets as URLs). */
export interface ReportConfig extends VerdictThresholds {
  targets: string[]
  /** The scenario label ('' when none). */
  topologyProfile: string
  /** Each target's route mode (direct, lan, ice, reverse, relay), in targets order. */
  routeModes: string[]
  streams: number
  concurrency: number
  bytesPerStream: number
  payloadSize: number
  controlEvery: number
  controlBytesPerStream: number
  shortSessions: boolean
  poolFailover: boolean
  connectTimeoutMs: number
  streamTimeoutMs: number
  ackTimeoutMs: number
  /** How long a target that failed (or was slow) stays out of placement; 0 = never. */
  targetQuarantineMs: number
  /** How long failTarget stays out of placement once a stream saw it fail. */
  failureQuarantineMs: number
  /** Index of the target killed during the run, -1 when none. */
  failTarget: number
  /** When failTarget was killed, in ms after the run started. */
  failAfterMs: number
  durationMs: number
  soak: boolean
  timeoutMs: number
  inflightFrames: number
  workers: number
  /** Move a stream off a target whose ACK took longer than maxAckMs (default false). */
  migrateSlowStreams: boolean
  /** ACK time (ms) over which migrateSlowStreams marks a target degraded and moves on; 0 = off. */
  maxAckMs: number
  /** Index of a target the test degrades from outside (-1 = none); the verdict expects it seen. */
  impairTarget: number
  /** Where the report is also written as JSON, when set. */
  reportPath?: string
  /** How often each thread samples its resources (ms); 0 = at start and end only. */
  resourceSampleIntervalMs: number
  /** Probe every target's RTT before placement (also on when maxTargetRttMs is set). */
  probeTargets: boolean
  /** Targets whose probe RTT is over this many ms get no streams; 0 = no limit. */
  maxTargetRttMs: number
  /** QUIC only: largest datagram the client sends, when set. */
  maxDatagramSize?: number
}

/** Verdict thresholds a config may set, in the report's units; none is on unless set (0 = off). */
export interface VerdictThresholds {
  maxAckP95Ms?: number
  maxAckP99Ms?: number
  maxControlAckP95Ms?: number
  maxSetupP95Ms?: number
  maxSetupP99Ms?: number
  minThroughputMbps?: number
  minChannelChurnPerSec?: number
  /** Fail the verdict when a target is not quic:// (non_quic_targets); default false. */
  requireQuic?: boolean
  /** Reroute latency p95 / p99 limits (ms). */
  maxRerouteP95Ms?: number
  maxRerouteP99Ms?: number
  /** Limit (ms) on each healthy target's slowest ACK (target_ack_ms). */
  maxTargetAckMs?: number
  /**
   * Apply the reference's distribution rules (target_distribution_*, target_byte_distribution_skew,
   * route_pressure_distribution_*); default false: a test that kills or slows a target on its own
   * would otherwise fail them.
   */
  checkDistribution?: boolean
  /** Resource limits over the run (see resourceSummary): active resources, heap MiB, open fds. */
  maxActiveResourceDelta?: number
  maxHeapDeltaMb?: number
  maxOpenFdDelta?: number
  maxOpenFds?: number
}

/** Counters every worker keeps and the report sums, with the report's names. */
export const REPORT_COUNTERS = [
  'totalStreams',
  'successfulStreams',
  'failedStreams',
  'bytesSent',
  'framesSent',
  'acksReceived',
  'abandonedFrames',
  'ackMismatchedStreams',
  'ackIntegrityErrors',
  'failoverEvents',
  'migrationEvents',
  'routeAttemptsTotal',
  'channelOpens',
  'channelCloses',
  'channelLeaks',
  'controlStreams',
  'bulkStreams',
] as const

export type ReportCounters = Record<(typeof REPORT_COUNTERS)[number], number>

/** A load run's report: plain JSON, the reference load tester's fields in camelCase. */
export interface LoadReport extends LoadReportBody, RunRecord {
  verdict: 'pass' | 'fail'
  verdictReasons: string[]
}

/** A report before the runner adds its timeline, events and verdict (what the workload's merge makes). */
export interface LoadReportBody {
  schemaVersion: string
  startedAt: string
  finishedAt: string
  config: ReportConfig
  totalStreams: number
  successfulStreams: number
  failedStreams: number
  /** Payload bytes acknowledged by nodes. */
  bytesSent: number
  /** DATA frames sent. */
  framesSent: number
  /** ACKs received for DATA frames. */
  acksReceived: number
  abandonedFrames: number
  ackMismatchedStreams: number
  ackIntegrityErrors: number
  failoverEvents: number
  /** Streams moved to another target after a slow ACK (migrateSlowStreams). */
  migrationEvents: number
  /** Stream attempts, first tries and reroutes together. */
  routeAttemptsTotal: number
  /** Channel setup of reroute attempts (attempts after a stream's first), over rerouted successful streams. */
  rerouteLatencyP50Ms: number
  rerouteLatencyP95Ms: number
  rerouteLatencyP99Ms: number
  /** When (ms after the run started) the last stream that failed over got its next acknowledged byte; 0 when none did. */
  lastRecoveryAtMs: number
  /** From a failed attempt's error to the stream's next acknowledged byte, over streams that failed over. */
  failoverRecoveryP95Ms: number
  /** The reference's name of the setup percentiles (a channel open is its OPEN's ACK). */
  channelOpenP50Ms: number
  channelOpenP95Ms: number
  channelOpenP99Ms: number
  /** Moves to another target by cause: pool_failover (a failed attempt), slow_ack_migration. */
  rerouteCauses: Record<string, number>
  channelOpens: number
  channelCloses: number
  channelLeaks: number
  channelChurnPerSec: number
  /** Bits per second. */
  throughputBps: number
  setupLatencyP50Ms: number
  setupLatencyP95Ms: number
  setupLatencyP99Ms: number
  ackP50Ms: number
  ackP95Ms: number
  ackP99Ms: number
  /** ACK latency percentile distribution, [percentile, ms] pairs (see LatencyHistogram.percentileDistribution). */
  ackPercentiles?: Array<[number, number]>
  controlStreams: number
  bulkStreams: number
  controlAckP95Ms: number
  bulkAckP95Ms: number
  streamDurationP95Ms: number
  /** Failed attempts by error kind (see ErrorKind). */
  errors: Record<string, number>
  /** One sample message per error kind, naming the target. */
  errorMessages: Record<string, string>
  targetBytes: Record<string, number>
  targetStreams: Record<string, number>
  targetStats: Record<string, TargetStats>
  routePressure: RoutePressure
  streamSamples: StreamSample[]
  errorSamples: StreamSample[]
  /** The first 25 streams that failed over, with their recovery time (ms). */
  recoverySamples: RecoverySample[]
  /** The client side's connection and channel counters, and each in-process node's own. */
  transportSnapshot: TransportSnapshot
  /** Every thread's resource samples (the main thread's and each worker's). */
  resourceSamples: ResourceSample[]
  /** Start / end / max / delta of each resource over the run, summed over threads; slopes for a soak. */
  resourceSummary: ResourceSummary
  /** Probe results, when probing was on (probeTargets or maxTargetRttMs). */
  targetProbes: TargetProbe[]
  /** Targets the probe left out of placement (unreachable or over maxTargetRttMs). */
  excludedTargets: string[]
  /** Targets seen failing or slow during the run (by any worker), with the latest reason; also when the quarantine is off. */
  degradedTargets: Record<string, string>
}
