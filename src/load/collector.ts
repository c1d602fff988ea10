import { LatencyHistogram } from '../metrics/histogram.js'
import type { MultipathStats } from '../multipath/connection.js'
import type { Recorder } from '../run/recorder.js'
import type { ResourceSample } from './resources.js'
import {
  REPORT_COUNTERS,
  type RecoverySample,
  type ReportCounters,
  type StreamSample,
  TARGET_COUNTERS,
  type TargetCounters,
  type TargetProbe,
} from './types.js'

const SAMPLE_LIMIT = 25

/** Counters of one target, as a worker sends them to the main thread. */
export interface TargetPartial extends TargetCounters {
  ack: string
  setup: string
  duration: string
  routeModes: Record<string, number>
}

/** Everything one worker measured; plain data so it crosses the thread boundary. */
export interface WorkerPartial extends ReportCounters {
  /** Stats of every multipath connection this worker opened, by target URL. */
  multipath?: Record<string, MultipathStats[]>
  startedAt: number
  finishedAt: number
  histograms: {
    ack: string
    controlAck: string
    bulkAck: string
    setup: string
    streamDuration: string
    reroute: string
    recovery: string
  }
  recoverySamples: RecoverySample[]
  lastRecoveryAtMs: number
  connections: { opened: number; failed: number }
  errors: Record<string, number>
  /** One message per error kind: the first seen. */
  errorMessages: Record<string, string>
  targets: Record<string, TargetPartial>
  route: {
    acquired: number
    released: number
    active: Record<string, number>
    maxActiveTotal: number
    maxActive: Record<string, number>
  }
  streamSamples: StreamSample[]
  errorSamples: StreamSample[]
  /** Targets this worker took out of placement, with the latest reason. */
  degradedTargets: Record<string, string>
  rerouteCauses: Record<string, number>
  /** Probe results (only the worker that probed has them). */
  targetProbes: TargetProbe[]
  /** This worker's resource samples. */
  resourceSamples: ResourceSample[]
}

interface TargetTally extends TargetCounters {
  ack: LatencyHistogram
  setup: LatencyHistogram
  duration: LatencyHistogram
  routeModes: Record<string, number>
}

/** Counters a worker keeps itself; channelLeaks is only known at the end. */
type Tallied = Exclude<(typeof REPORT_COUNTERS)[number], 'channelLeaks'>

const zero = <K extends string>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>

/** A recorder that drops everything, for collectors used outside a run. */
const silent: Recorder = { count() {}, gauge() {}, latency() {}, event() {} }

/**
 * A worker's running tally of stream results, ACK timings and route pressure. Every change goes
 * through a method, which also feeds the run's timeline (the recorder).
 */
export class Collector {
  private readonly startedAt = Date.now()
  private readonly counts = zero<Tallied>(REPORT_COUNTERS.filter((k): k is Tallied => k !== 'channelLeaks'))
  private readonly ack = new LatencyHistogram()
  private readonly controlAck = new LatencyHistogram()
  private readonly bulkAck = new LatencyHistogram()
  private readonly setup = new LatencyHistogram()
  private readonly streamDuration = new LatencyHistogram()
  private readonly reroute = new LatencyHistogram()
  private readonly recovery = new LatencyHistogram()
  private readonly recoverySamples: RecoverySample[] = []
  private lastRecoveryAtMs = 0
  private connectionsOpened = 0
  private connectFailures = 0
  private readonly errors: Record<string, number> = {}
  private readonly errorMessages: Record<string, string> = {}
  private readonly targets = new Map<string, TargetTally>()
  private readonly active = new Map<string, number>()
  private readonly maxActive = new Map<string, number>()
  private activeTotal = 0
  private maxActiveTotal = 0
  private acquired = 0
  private released = 0
  private readonly streamSamples: StreamSample[] = []
  private readonly errorSamples: StreamSample[] = []
  private readonly degradedTargets: Record<string, string> = {}
  private readonly rerouteCauses: Record<string, number> = {}
  private readonly targetProbes: TargetProbe[] = []

  constructor(
    targets: readonly string[],
    private readonly recorder: Recorder = silent,
  ) {
    for (const url of targets) {
      this.targets.set(url, {
        ...zero(TARGET_COUNTERS),
        ack: new LatencyHistogram(),
        setup: new LatencyHistogram(),
        duration: new LatencyHistogram(),
        routeModes: {},
      })
      this.active.set(url, 0)
      this.maxActive.set(url, 0)
    }
  }

  /** Stream attempts in flight now, and targets with any. */
  level(): { activeStreams: number; activeRoutes: number } {
    let routes = 0
    for (const n of this.active.values()) if (n > 0) routes++
    return { activeStreams: this.activeTotal, activeRoutes: routes }
  }

  private target(url: string): TargetTally {
    return this.targets.get(url)!
  }

  /** A stream attempt takes a route to `url`. */
  acquire(url: string): void {
    this.acquired++
    this.activeTotal++
    const active = (this.active.get(url) ?? 0) + 1
    this.active.set(url, active)
    if (active > (this.maxActive.get(url) ?? 0)) this.maxActive.set(url, active)
    if (this.activeTotal > this.maxActiveTotal) this.maxActiveTotal = this.activeTotal
    this.recorder.gauge('activeStreams', this.activeTotal)
  }

  /** The attempt let go of its route. */
  release(url: string): void {
    this.released++
    this.activeTotal--
    this.active.set(url, (this.active.get(url) ?? 0) - 1)
    this.recorder.gauge('activeStreams', this.activeTotal)
  }

  /** A logical channel was opened on `url`. */
  channelOpened(url: string): void {
    this.counts.channelOpens++
    this.target(url).channelOpens++
    this.recorder.count('channelOpens')
  }

  /** A logical channel on `url` ended (closed in order or abandoned). */
  channelClosed(url: string): void {
    this.counts.channelCloses++
    this.target(url).channelCloses++
  }

  /** A channel on `url` was set up (OPEN acknowledged) after `ms`. */
  setupMeasured(url: string, ms: number): void {
    this.setup.recordMs(ms)
    this.target(url).setup.recordMs(ms)
    this.recorder.latency('setup', ms)
  }

  /** A DATA frame left for `url`. */
  frameSent(url: string): void {
    this.counts.framesSent++
    this.target(url).frames++
  }

  /** An ACK for `bytes` of payload came back from `url` after `ms`; `intact` when its checksum matched. */
  ackReceived(url: string, bulk: boolean, ms: number, bytes: number, intact: boolean): void {
    this.counts.acksReceived++
    this.counts.bytesSent += bytes
    if (!intact) this.counts.ackIntegrityErrors++
    this.ack.recordMs(ms)
    ;(bulk ? this.bulkAck : this.controlAck).recordMs(ms)
    const target = this.target(url)
    target.acks++
    target.bytes += bytes
    target.ack.recordMs(ms)
    this.recorder.count('bytes', bytes)
    this.recorder.latency('ack', ms)
  }

  /** Frames in flight when an attempt failed, never to be acknowledged. */
  framesAbandoned(count: number): void {
    this.counts.abandonedFrames += count
  }

  /** A node's CLOSE_ACK disagreed with what the channel sent (bytes or checksum). */
  closeMismatched(): void {
    this.counts.ackMismatchedStreams++
  }

  /** An attempt on `url` failed with `kind`; `message` is kept as the kind's sample. */
  attemptFailed(url: string, kind: string, message: string): void {
    this.errors[kind] = (this.errors[kind] ?? 0) + 1
    this.errorMessages[kind] ??= message
    const target = this.target(url)
    target.errors++
    target.failedStreams++
    this.recorder.count('errors')
  }

  /** A stream moves from `from` to `to` after a slow ACK (`ackMs`) on `from`. */
  migrated(stream: number, from: string, to: string, ackMs: number): void {
    this.counts.migrationEvents++
    this.rerouteCauses.slow_ack_migration = (this.rerouteCauses.slow_ack_migration ?? 0) + 1
    this.recorder.count('migrations')
    this.recorder.event('migration', { stream, from, to, ackMs: Math.round(ackMs * 1000) / 1000 })
  }

  /** An ACK from `url` took `ackMs`, over maxAckMs: the target is degraded. */
  targetDegraded(url: string, ackMs: number): void {
    this.target(url).degradedEvents++
    this.recorder.event('degraded', { target: url, ackMs: Math.round(ackMs * 1000) / 1000 })
  }

  /** A stream moves from `from` to `to` after a failed attempt. */
  failover(stream: number, from: string, to: string, kind: string): void {
    this.counts.failoverEvents++
    this.rerouteCauses.pool_failover = (this.rerouteCauses.pool_failover ?? 0) + 1
    this.recorder.count('failovers')
    this.recorder.event('failover', { stream, from, to, kind })
  }

  /** A target was probed before placement. */
  probed(probe: TargetProbe): void {
    this.targetProbes.push(probe)
    this.recorder.event('probe', { ...probe })
  }

  /**
   * `url` failed or was slow because of `reason` (an error kind, or 'slow_ack'). It is reported in
   * degradedTargets even when the quarantine is off (TTL 0), as the reference reports every target
   * it saw fail: the verdict's impairTarget check needs the observation, not the quarantine.
   */
  targetMarked(url: string, reason: string): void {
    this.degradedTargets[url] = reason
  }

  /** `url` was taken out of placement for `ttlMs` because of `reason` (an error kind, or 'slow_ack'). */
  targetQuarantined(url: string, reason: string, ttlMs: number): void {
    this.targetMarked(url, reason)
    this.recorder.count('quarantines')
    this.recorder.event('quarantine', { target: url, reason, ttlMs })
  }

  /** A connection to a target was made. */
  connectionOpened(): void {
    this.connectionsOpened++
  }

  /** A connection to a target could not be made. */
  connectionFailed(): void {
    this.connectFailures++
  }

  /** Record a finished logical stream (after every attempt it took). */
  recordStream(sample: StreamSample): void {
    this.counts.totalStreams++
    this.counts.routeAttemptsTotal += sample.attempts
    if (sample.class === 'control') this.counts.controlStreams++
    else this.counts.bulkStreams++
    if (sample.failoverCount > 0) this.target(sample.initialTarget).failoverEntrypoint++
    if (this.streamSamples.length < SAMPLE_LIMIT) this.streamSamples.push(sample)
    if (sample.ok) {
      this.counts.successfulStreams++
      const target = this.target(sample.target)
      target.streams++
      target.routeModes[sample.routeMode] = (target.routeModes[sample.routeMode] ?? 0) + 1
      target.duration.recordMs(sample.durationMs)
      this.streamDuration.recordMs(sample.durationMs)
      if (sample.rerouteLatencyMs !== undefined) this.reroute.recordMs(sample.rerouteLatencyMs)
      if (sample.recoveryMs !== undefined) {
        this.recovery.recordMs(sample.recoveryMs)
        this.lastRecoveryAtMs = Math.max(this.lastRecoveryAtMs, sample.recoveredAtMs ?? 0)
        if (this.recoverySamples.length < SAMPLE_LIMIT) {
          const from = sample.targetAttempts[0]!
          this.recoverySamples.push({
            stream: sample.stream,
            from,
            to: sample.target,
            recoveryMs: sample.recoveryMs,
          })
        }
      }
      this.recorder.count('streamsOk')
    } else {
      this.counts.failedStreams++
      if (this.errorSamples.length < SAMPLE_LIMIT) this.errorSamples.push(sample)
      this.recorder.count('streamsFailed')
    }
  }

  /** Freeze the tally as plain data. `openChannels` are channels this worker never closed. */
  toPartial(openChannels: number, resourceSamples: ResourceSample[] = []): WorkerPartial {
    const targets: Record<string, TargetPartial> = {}
    for (const [url, t] of this.targets) {
      targets[url] = {
        ...t,
        ack: t.ack.encode(),
        setup: t.setup.encode(),
        duration: t.duration.encode(),
        routeModes: { ...t.routeModes },
      }
    }
    const active: Record<string, number> = {}
    for (const [url, n] of this.active) if (n !== 0) active[url] = n
    return {
      startedAt: this.startedAt,
      finishedAt: Date.now(),
      ...this.counts,
      channelLeaks: openChannels,
      histograms: {
        ack: this.ack.encode(),
        controlAck: this.controlAck.encode(),
        bulkAck: this.bulkAck.encode(),
        setup: this.setup.encode(),
        streamDuration: this.streamDuration.encode(),
        reroute: this.reroute.encode(),
        recovery: this.recovery.encode(),
      },
      recoverySamples: this.recoverySamples,
      lastRecoveryAtMs: this.lastRecoveryAtMs,
      connections: { opened: this.connectionsOpened, failed: this.connectFailures },
      errors: { ...this.errors },
      errorMessages: { ...this.errorMessages },
      targets,
      route: {
        acquired: this.acquired,
        released: this.released,
        active,
        maxActiveTotal: this.maxActiveTotal,
        maxActive: Object.fromEntries(this.maxActive),
      },
      streamSamples: this.streamSamples,
      errorSamples: this.errorSamples,
      degradedTargets: { ...this.degradedTargets },
      rerouteCauses: { ...this.rerouteCauses },
      targetProbes: [...this.targetProbes],
      resourceSamples,
    }
  }
}
