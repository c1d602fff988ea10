import type { TimelineSample } from '../run/timeline.js'
import type { HopCounters, ResolvedPipelineConfig } from './config.js'
import type { SinkCounters } from './protocol.js'

/** One hop at the end of a run: its counters, its socket and the kernel's drops on it. */
export interface HopReport extends HopCounters {
  hop: number
  /** `relay` (quicksand's), `command` (a child process) or `address` (already running). */
  kind: 'relay' | 'command' | 'address'
  /** Whether its counters are known; when not, its losses are the place `hop<N>.unobserved`. */
  observed: boolean
  /** 'host:port' of its ingress socket. */
  address: string
  bufferPackets: number
  delayUs: number
  /** The receive buffer the kernel granted its ingress socket (Linux reports twice what was asked). */
  recvBufferBytes: number
  /** Datagrams the kernel dropped at its ingress socket (/proc/net/udp `drops`). */
  kernelDrops: number
  /** Highest ingress / egress rate of one sample interval. */
  peakIngressPps: number
  peakEgressPps: number
}

/** The impairment proxy between hop `between[0]` and `between[1]`. */
export interface ImpairmentReport {
  /** `impair<i>`: the place its drops are counted at. */
  place: string
  between: [number, number]
  packetsIn: number
  packetsOut: number
  dropped: number
  duplicated: number
  corrupted: number
  /** Datagrams the kernel dropped at the proxy's listening socket. */
  kernelDrops: number
}

/** What the generator did. */
export interface GeneratorReport {
  targetPps: number
  /** The rate it reached (packets over the time it took to send them). */
  achievedPps: number
  generated: number
  sendErrors: number
  elapsedMs: number
}

/** The sink's counts, with the kernel's drops on its socket. */
export interface SinkReport extends SinkCounters {
  kernelDrops: number
  /** Delivered packets over the generator's sending time. */
  deliveredPps: number
}

/** generated = delivered + every drop at a named place + unexplainedLoss. */
export interface PipelineAccounting {
  generated: number
  delivered: number
  /**
   * Drops by place: `hop<i>.bufExhaust`, `hop<i>.kernel`, `hop<i>.parseErrors`, `hop<i>.sendErrors`,
   * `hop<i>.queued` (still queued when the drain gave up), `impair<i>`, `impair<i>.kernel`,
   * `sink.kernel`, `sink.parseErrors`, `sink.corrupted`.
   */
  drops: Record<string, number>
  /** Sum of drops. */
  explained: number
  /** generated (+ copies an impairment added) - delivered (+ duplicates) - explained: 0 in a correct pipeline. */
  unexplainedLoss: number
}

/** What runPipeline() resolves with. */
export interface PipelineReport {
  kind: 'pipeline'
  config: Omit<ResolvedPipelineConfig, 'impair'> & { impair: { between: [number, number] }[] }
  startedAt: number
  durationMs: number
  generator: GeneratorReport
  hops: HopReport[]
  impairments: ImpairmentReport[]
  sink: SinkReport
  accounting: PipelineAccounting
  /** Rise of the host-wide UDP RcvbufErrors (/proc/net/snmp) over the run: every socket, not just ours. */
  hostRcvbufErrors: number
  /** One sample per second: `hop<i>.<counter>` and `sink.<counter>` deltas of the interval. */
  timeline: TimelineSample[]
}
