import { formatHostPort } from '../address.js'
import { classifyError, describeFailure, type ErrorKind, RunError } from '../errors/kinds.js'
import type { MultipathConnection } from '../multipath/connection.js'
import { connectMultipath } from '../multipath/dial.js'
import { multipathLink } from '../multipath/link.js'
import { isMultipathTarget, parseMultipathUrl } from '../multipath/target.js'
import type { TrafficClassName } from '../protocol/frames.js'
import type { Recorder } from '../run/recorder.js'
import { transportFor } from '../transport/index.js'
import type { Link } from '../transport/link.js'
import type { Transport, TransportKind } from '../transport/types.js'
import { ChannelError, ClientConnection } from './client-connection.js'
import { Collector, type WorkerPartial } from './collector.js'
import { parseTargetUrl, type ResolvedConfig } from './config.js'
import { Placement } from './placement.js'
import { median, noUsableTarget, PROBE_PINGS, ProbeBoard, probeUsable } from './probe.js'
import { ResourceSampler } from './resources.js'
import { type AttemptProgress, runAttempt, SlowAckMigration } from './stream-attempt.js'
import { TargetHealth } from './target-health.js'
import type { TargetProbe } from './types.js'

/** One worker's share of a run. */
export interface WorkerTask {
  config: ResolvedConfig
  /** This worker's index and the number of workers: it runs streams index, index + workers, … */
  index: number
  workers: number
  /** Streams this worker keeps in flight at once. */
  concurrency: number
  /** Epoch ms when the run started; duration and timeout count from here. */
  runStartedAt: number
  /** The run's shared quarantine (see TargetHealth): one buffer for every worker. */
  health: SharedArrayBuffer
  /** The run's probe results (see ProbeBoard), written by worker 0 when probing is on. */
  probes: SharedArrayBuffer
}

/**
 * Failure kinds that say something about the target and so quarantine it, as the reference's
 * shouldQuarantineTarget: not the stream's or the run's own timeout, an abort, or a fault of ours.
 */
const QUARANTINING: Readonly<Record<ErrorKind, boolean>> = {
  connect_refused: true,
  connect_timeout: true,
  address_unresolved: true,
  tls_fingerprint_mismatch: true,
  handshake_failed: true,
  reset: true,
  connection_closed: true,
  ack_timeout: true,
  // The stream's or the run's own deadline, an abort, our own bug or a frame we could not
  // parse say nothing about whether the target can take streams.
  stream_timeout: false,
  run_timeout: false,
  protocol_error: false,
  content_error: false,
  aborted: false,
  internal: false,
}

/** Whether a failure of `kind` takes its target out of placement. */
export function quarantines(kind: ErrorKind): boolean {
  return QUARANTINING[kind]
}

/** When an attempt must be over, and the kind of its failure if it is not. */
interface Deadline {
  at: number
  kind: ErrorKind
}

/** Workers wait for worker 0's probes this much longer than the probes can take (its thread may start late). */
const PROBE_WAIT_MARGIN_MS = 30_000

/** How long a worker waits for its multipath connections to close after its last stream. */
const MULTIPATH_CLOSE_WAIT_MS = 2000

/** A CLOSE still gets this long for its CLOSE_ACK when the run's deadline is nearer. */
const CLOSE_GRACE_MS = 1000

interface Target {
  url: string
  host: string
  port: number
  kind: TransportKind | 'multipath'
  fingerprint: string | undefined
  connection: ClientConnection | undefined
  connecting: Promise<ClientConnection> | undefined
}

/** Runs a worker's streams over one connection per target, with failover between targets. */
export class StreamRunner {
  private readonly collector: Collector
  private readonly targets: Target[]
  private placement: Placement
  private readonly health: TargetHealth
  private readonly transports = new Map<TransportKind, Transport>()
  /** Every multipath connection opened, by target URL: their path stats go into the report. */
  private readonly multipath = new Map<string, MultipathConnection[]>()
  private readonly pendingCloses: Array<() => Promise<void>> = []
  private readonly runDeadline: number
  private readonly startDeadline: number
  /** Set once a stream was cut off by the run's end (duration or timeout): no lane starts another. */
  private cutOff = false
  /** When streams still in flight are cancelled: the run's timeout, or a non-soak run's duration. */
  private readonly cancelDeadline: number
  private nextIndex: number

  constructor(
    private readonly task: WorkerTask,
    private readonly signal: AbortSignal = new AbortController().signal,
    recorder?: Recorder,
  ) {
    const { config } = task
    this.collector = new Collector(config.targets, recorder)
    this.health = new TargetHealth(task.health)
    this.placement = new Placement(config.targets.length, { poolFailover: config.poolFailover }, this.health)
    this.targets = config.targets.map((url, i) => {
      if (isMultipathTarget(url)) {
        return {
          url,
          host: '',
          port: 0,
          kind: 'multipath',
          fingerprint: undefined,
          connection: undefined,
          connecting: undefined,
        }
      }
      const { scheme, host, port } = parseTargetUrl(url, `targets[${i}]`)
      return {
        url,
        host,
        port,
        kind: scheme as TransportKind,
        fingerprint: config.fingerprints[i],
        connection: undefined,
        connecting: undefined,
      }
    })
    // Deadlines on this thread's performance clock, from the run's wall-clock start.
    const elapsed = Date.now() - task.runStartedAt
    const start = performance.now() - elapsed
    this.runDeadline = start + config.timeoutMs
    // Duration counts from when this worker is ready to send, so thread start-up does not eat it.
    this.startDeadline =
      config.durationMs > 0 ? performance.now() + config.durationMs : Number.POSITIVE_INFINITY
    // As the reference: a soak lets in-flight streams finish; a plain run's duration cancels them.
    this.cancelDeadline = config.soak ? this.runDeadline : Math.min(this.runDeadline, this.startDeadline)
    this.nextIndex = task.index
  }

  /** Run every stream of this worker's share, close what is left open, and return the tally. */
  async run(): Promise<WorkerPartial> {
    const sampler = new ResourceSampler(
      `worker ${this.task.index}`,
      this.task.config.resourceSampleIntervalMs,
      () => this.collector.level(),
    )
    sampler.start()
    try {
      const open = await this.runStreams()
      await this.multipathClosed()
      const partial = this.collector.toPartial(open, sampler.stop())
      if (this.multipath.size > 0) {
        partial.multipath = Object.fromEntries(
          [...this.multipath].map(([url, connections]) => [url, connections.map((c) => c.stats())]),
        )
      }
      return partial
    } finally {
      sampler.stop()
    }
  }

  /** Run every stream, close what is left open; returns the channels this worker never closed. */
  private async runStreams(): Promise<number> {
    for (const target of this.targets) {
      if (target.kind === 'multipath') continue
      if (!this.transports.has(target.kind)) this.transports.set(target.kind, await transportFor(target.kind))
    }
    // Every exit closes the transports: a worker must not be ended with a socket still open.
    try {
      if (this.task.config.probeTargets) {
        try {
          await this.placeByProbes()
        } catch (error) {
          for (const target of this.targets) target.connection?.destroy()
          throw error
        }
      }
      const lanes = Array.from({ length: this.task.concurrency }, () => this.lane())
      await Promise.all(lanes)
      for (const close of this.pendingCloses.splice(0)) await close().catch(() => undefined)
      let open = 0
      for (const target of this.targets) {
        const connection = target.connection
        if (!connection) continue
        open += connection.openChannels
        connection.end()
      }
      return open
    } finally {
      await this.closeTransports()
    }
  }

  /** Probe (worker 0) or wait for worker 0's probes, then place streams on the usable targets only. */
  private async placeByProbes(): Promise<void> {
    const { config } = this.task
    const board = new ProbeBoard(this.task.probes)
    if (this.task.index === 0) {
      const probes = await Promise.all(this.targets.map((target) => this.probe(target)))
      board.publish(probes)
      for (const probe of probes) this.collector.probed(probe)
      if (!probes.some((p) => p.usable)) throw noUsableTarget(probes, config.maxTargetRttMs)
    }
    const limit = Math.min(
      this.runDeadline - performance.now(),
      (PROBE_PINGS + 1) * config.connectTimeoutMs + PROBE_WAIT_MARGIN_MS,
    )
    const { candidates, rttMs } = await board.read(Math.max(0, limit))
    if (candidates.length === 0) {
      throw new RunError('connect_refused', 'every target failed its probe (see the first worker)')
    }
    this.placement = new Placement(
      config.targets.length,
      { poolFailover: config.poolFailover, candidates, rttMs },
      this.health,
    )
  }

  /** PING `target` PROBE_PINGS times over an established connection: the median RTT, or why not. */
  private async probe(target: Target): Promise<TargetProbe> {
    const { config } = this.task
    let probe: Omit<TargetProbe, 'usable'>
    try {
      const deadline = performance.now() + config.connectTimeoutMs
      const connection = await this.connection(target, deadline, 'connect_timeout')
      const rtts: number[] = []
      for (let i = 0; i < PROBE_PINGS; i++) rtts.push(await connection.ping(config.connectTimeoutMs))
      probe = { target: target.url, rttMs: round3(median(rtts)) }
    } catch (error) {
      const where = formatHostPort(target.host, target.port)
      probe = {
        target: target.url,
        rttMs: 0,
        error: `${classifyError(error)}: ${describeFailure(error, where)}`,
      }
    }
    return { ...probe, usable: probeUsable(probe, config.maxTargetRttMs) }
  }

  private async closeTransports(): Promise<void> {
    for (const transport of this.transports.values()) await transport.close?.()
  }

  /** One concurrency slot: take the next stream id, run it, repeat until none are left. */
  private async lane(): Promise<void> {
    const { config, workers } = this.task
    for (;;) {
      const stream = this.nextIndex
      const now = performance.now()
      // A stream cut off at the run's end also ends its lane: the timer that cut it may fire a
      // little before this thread's clock reaches the deadline, and a new stream would only be
      // cut off again at once.
      if (now >= this.startDeadline || now >= this.runDeadline || this.signal.aborted || this.cutOff) return
      if (!config.soak && stream >= config.streams) return
      this.nextIndex += workers
      await this.runStream(stream)
    }
  }

  private async runStream(stream: number): Promise<void> {
    const { config } = this.task
    const control = config.controlEvery > 0 && stream % config.controlEvery === 0
    const trafficClass: TrafficClassName = control ? 'control' : 'bulk'
    const totalBytes = control ? config.controlBytesPerStream : config.bytesPerStream
    const started = performance.now()
    // streamTimeout bounds the whole logical stream, every failover included (0 = no bound).
    const streamDeadline =
      config.streamTimeoutMs > 0 ? started + config.streamTimeoutMs : Number.POSITIVE_INFINITY
    const bound: Deadline =
      streamDeadline <= this.cancelDeadline
        ? { at: streamDeadline, kind: 'stream_timeout' }
        : { at: this.cancelDeadline, kind: 'run_timeout' }
    const progress: AttemptProgress = { offset: 0, framesSent: 0, acksReceived: 0, maxAckMs: 0 }
    const targetAttempts: string[] = []
    let failoverCount = 0
    let rerouteLatencyMs: number | undefined
    let failedAt: number | undefined
    let recoveryMs: number | undefined
    let recoveredAtMs: number | undefined
    let lastError: unknown
    let index = -1
    let target = this.targets[stream % this.targets.length]!
    let setupMs = 0
    let tries = 0
    let migration: SlowAckMigration | undefined
    let migrationCount = 0
    let degraded = false
    const attempts = this.placement.attempts
    for (let attempt = 0; attempt < attempts; attempt++) {
      index = this.placement.target(stream, attempt, index, Date.now())
      const candidate = this.targets[index]!
      if (migration) this.collector.migrated(stream, target.url, candidate.url, migration.ackMs)
      else if (tries > 0) {
        failoverCount++
        this.collector.failover(stream, target.url, candidate.url, classifyError(lastError))
      }
      migration = undefined
      target = candidate
      targetAttempts.push(target.url)
      tries++
      progress.slowAckMs = undefined
      progress.setupMs = undefined
      progress.firstAckAt = undefined
      const migrate = config.migrateSlowStreams && attempt + 1 < attempts
      try {
        try {
          setupMs = await this.attempt(stream, trafficClass, totalBytes, target, progress, bound, migrate)
        } finally {
          // The reference's reroute latency: the slowest setup among a stream's later attempts.
          if (attempt > 0 && progress.setupMs !== undefined) {
            rerouteLatencyMs = Math.max(rerouteLatencyMs ?? 0, progress.setupMs)
          }
          if (failedAt !== undefined && recoveryMs === undefined && progress.firstAckAt !== undefined) {
            recoveryMs = progress.firstAckAt - failedAt
            recoveredAtMs = Date.now() - (performance.now() - progress.firstAckAt) - this.task.runStartedAt
          }
        }
        lastError = undefined
        if (progress.slowAckMs !== undefined) {
          degraded = true
          this.degrade(index, progress.slowAckMs)
        }
        break
      } catch (error) {
        if (error instanceof SlowAckMigration) {
          // Not a failure: the target is degraded and the stream goes on elsewhere, a bulk stream
          // from its first unacknowledged byte, a control stream from zero.
          migration = error
          migrationCount++
          degraded = true
          this.degrade(index, error.ackMs)
          if (control) progress.offset = 0
          continue
        }
        lastError = error
        failedAt ??= performance.now()
        const kind = classifyError(error)
        this.collector.attemptFailed(
          target.url,
          kind,
          describeFailure(error, formatHostPort(target.host, target.port)),
        )
        if (quarantines(kind)) this.quarantine(index, kind)
        if (kind === 'run_timeout') this.cutOff = true
        if (kind === 'run_timeout' || kind === 'stream_timeout' || performance.now() >= bound.at) break
      }
    }
    const ok = lastError === undefined
    this.collector.recordStream({
      stream,
      streamIndex: stream,
      logicalStream: stream,
      initialTarget: targetAttempts[0] ?? target.url,
      target: target.url,
      targetAttempts,
      class: trafficClass,
      trafficClass,
      ok,
      bytes: progress.offset,
      bytesSent: progress.offset,
      frames: Math.ceil(progress.offset / config.payloadSize),
      framesSent: progress.framesSent,
      acksReceived: progress.acksReceived,
      maxAckMs: round3(progress.maxAckMs),
      attempts: tries,
      failoverCount,
      migrationCount,
      degraded,
      shortSession: config.shortSessions,
      routeMode: config.routeModes[index] ?? 'direct',
      setupMs: round3(setupMs),
      ...(rerouteLatencyMs !== undefined && ok ? { rerouteLatencyMs: round3(rerouteLatencyMs) } : {}),
      ...(recoveryMs !== undefined && ok
        ? { recoveryMs: round3(recoveryMs), recoveredAtMs: round3(recoveredAtMs ?? 0) }
        : {}),
      durationMs: round3(performance.now() - started),
      ...(lastError === undefined
        ? {}
        : {
            error: `${classifyError(lastError)}: ${describeFailure(lastError, formatHostPort(target.host, target.port))}`,
          }),
    })
  }

  /** An ACK from target `index` took `ackMs`, over maxAckMs: it is degraded for targetQuarantineTtl. */
  private degrade(index: number, ackMs: number): void {
    const { config } = this.task
    const url = this.targets[index]!.url
    this.collector.targetDegraded(url, ackMs)
    if (config.targetQuarantineMs <= 0) {
      this.collector.targetMarked(url, 'slow_ack')
      return
    }
    this.health.quarantine(index, Date.now(), config.targetQuarantineMs)
    this.collector.targetQuarantined(url, 'slow_ack', config.targetQuarantineMs)
  }

  /** Take target `index` out of placement for every worker: failTarget for its longer TTL. */
  private quarantine(index: number, reason: string): void {
    const { config } = this.task
    const ttlMs = index === config.failTarget ? config.failureQuarantineMs : config.targetQuarantineMs
    if (ttlMs <= 0) {
      this.collector.targetMarked(this.targets[index]!.url, reason)
      return
    }
    this.health.quarantine(index, Date.now(), ttlMs)
    this.collector.targetQuarantined(this.targets[index]!.url, reason, ttlMs)
  }

  /** One attempt on one target; returns the channel setup time in ms. */
  private async attempt(
    stream: number,
    trafficClass: TrafficClassName,
    totalBytes: number,
    target: Target,
    progress: AttemptProgress,
    bound: Deadline,
    migrate: boolean,
  ): Promise<number> {
    const { config } = this.task
    const collector = this.collector
    const begun = performance.now()
    const deadline = bound.at
    const deadlineKind = bound.kind
    collector.acquire(target.url)
    try {
      const connection = await this.connection(target, deadline, deadlineKind)
      const channel = connection.open(stream, trafficClass, progress.offset)
      collector.channelOpened(target.url)
      const plan = {
        stream,
        trafficClass,
        target: target.url,
        offset: progress.offset,
        totalBytes,
        payloadSize: config.payloadSize,
        inflightFrames: config.inflightFrames,
        ackTimeoutMs: config.ackTimeoutMs,
        deadline,
        deadlineKind,
        closeDeadline: Math.max(this.runDeadline, performance.now() + CLOSE_GRACE_MS),
        begun,
        maxAckMs: config.migrateSlowStreams ? config.maxAckMs : 0,
        migrate,
      }
      await runAttempt(channel, plan, collector, progress, config.shortSessions)
      if (progress.pendingClose) this.pendingCloses.push(progress.pendingClose)
      progress.pendingClose = undefined
      return progress.setupMs ?? 0
    } finally {
      collector.release(target.url)
    }
  }

  /** The worker's connection to a target, made (once, shared by concurrent streams) when missing. */
  private async connection(
    target: Target,
    deadline: number,
    deadlineKind: ErrorKind,
  ): Promise<ClientConnection> {
    if (target.connection?.alive) return target.connection
    if (!target.connecting) {
      const timeoutMs = Math.max(1, Math.min(this.task.config.connectTimeoutMs, deadline - performance.now()))
      const linked = target.kind === 'multipath' ? this.connectMultipath(target, timeoutMs) : undefined
      const transport = target.kind === 'multipath' ? undefined : this.transports.get(target.kind)!
      target.connecting = (
        linked ??
        transport!.connect({
          host: target.host,
          port: target.port,
          timeoutMs,
          ...(target.fingerprint ? { fingerprint: target.fingerprint } : {}),
          ...(target.kind === 'quic' && this.task.config.maxDatagramSize
            ? { maxPacketSize: this.task.config.maxDatagramSize }
            : {}),
        })
      )
        .then((link) => {
          this.collector.connectionOpened()
          const connection = new ClientConnection(link, this.task.config.payloadSize, (gone) => {
            if (target.connection === gone) target.connection = undefined
          })
          target.connection = connection
          return connection
        })
        .catch((error: unknown) => {
          this.collector.connectionFailed()
          throw error
        })
        .finally(() => {
          target.connecting = undefined
        })
    }
    const remaining = deadline - performance.now()
    let timer: NodeJS.Timeout | undefined
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ChannelError(deadlineKind, `${deadlineKind.replace('_', ' ')} while connecting`)),
        Math.max(0, remaining),
      )
    })
    try {
      return await Promise.race([target.connecting, limit])
    } finally {
      clearTimeout(timer)
    }
  }

  /**
   * Wait (at most MULTIPATH_CLOSE_WAIT_MS) for the multipath connections ended by runStreams to
   * finish their goodbye, so the node forgets them at once instead of after its idle timeout
   * when the worker thread is torn down mid-goodbye.
   */
  private async multipathClosed(): Promise<void> {
    const open = [...this.multipath.values()].flat().filter((c) => !c.destroyed)
    if (open.length === 0) return
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.all(open.map((c) => new Promise((resolve) => c.once('close', resolve)))),
      new Promise((resolve) => {
        timer = setTimeout(resolve, MULTIPATH_CLOSE_WAIT_MS)
      }),
    ])
    clearTimeout(timer)
  }

  /** One multipath connection over the target's paths, as the Link the fabric protocol runs on. */
  private async connectMultipath(target: Target, timeoutMs: number): Promise<Link> {
    const { paths, scheduler } = parseMultipathUrl(target.url, 'target')
    const connection = await connectMultipath({
      paths,
      scheduler,
      handshakeTimeoutMs: Math.min(timeoutMs, 60_000),
    })
    const opened = this.multipath.get(target.url) ?? []
    opened.push(connection)
    this.multipath.set(target.url, opened)
    return multipathLink(connection)
  }
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000
}
