import { LatencyHistogram } from '../metrics/histogram.js'
import { type ReportCounters, type StreamSample, TARGET_COUNTERS, type TargetCounters } from './types.js'

const SAMPLE_LIMIT = 25

/** Counters of one target, as a worker sends them to the main thread. */
export interface TargetPartial extends TargetCounters {
  ack: string
  setup: string
}

/** Everything one worker measured; plain data so it crosses the thread boundary. */
export interface WorkerPartial extends ReportCounters {
  startedAt: number
  finishedAt: number
  histograms: { ack: string; controlAck: string; bulkAck: string; setup: string; streamDuration: string }
  errors: Record<string, number>
  /** The first message of each error kind. */
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
}

interface TargetTally extends TargetCounters {
  ack: LatencyHistogram
  setup: LatencyHistogram
}

/** A worker's running tally of stream results, ACK timings and route pressure. */
export class Collector {
  readonly startedAt = Date.now()
  totalStreams = 0
  successfulStreams = 0
  failedStreams = 0
  bytesSent = 0
  framesSent = 0
  acksReceived = 0
  abandonedFrames = 0
  ackMismatchedStreams = 0
  ackIntegrityErrors = 0
  failoverEvents = 0
  channelOpens = 0
  channelCloses = 0
  controlStreams = 0
  bulkStreams = 0
  readonly ack = new LatencyHistogram()
  readonly controlAck = new LatencyHistogram()
  readonly bulkAck = new LatencyHistogram()
  readonly setup = new LatencyHistogram()
  readonly streamDuration = new LatencyHistogram()
  readonly errors: Record<string, number> = {}
  /** One sample message per error kind: the first seen. */
  readonly errorMessages: Record<string, string> = {}
  private readonly targets = new Map<string, TargetTally>()
  private readonly active = new Map<string, number>()
  private readonly maxActive = new Map<string, number>()
  private activeTotal = 0
  private maxActiveTotal = 0
  private acquired = 0
  private released = 0
  private readonly streamSamples: StreamSample[] = []
  private readonly errorSamples: StreamSample[] = []

  constructor(targets: readonly string[]) {
    for (const url of targets) {
      this.targets.set(url, {
        ...(Object.fromEntries(TARGET_COUNTERS.map((key) => [key, 0])) as TargetCounters),
        ack: new LatencyHistogram(),
        setup: new LatencyHistogram(),
      })
      this.active.set(url, 0)
      this.maxActive.set(url, 0)
    }
  }

  /** Counters of one target. */
  target(url: string): TargetTally {
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
  }

  /** The attempt let go of its route. */
  release(url: string): void {
    this.released++
    this.activeTotal--
    this.active.set(url, (this.active.get(url) ?? 0) - 1)
  }

  /** Record one ACK's round trip. */
  recordAck(url: string, bulk: boolean, ms: number): void {
    this.acksReceived++
    this.ack.recordMs(ms)
    ;(bulk ? this.bulkAck : this.controlAck).recordMs(ms)
    const target = this.target(url)
    target.acks++
    target.ack.recordMs(ms)
  }

  /** Count an error by kind, overall and against its target; the first message of each kind is kept. */
  recordError(url: string, kind: string, message?: string): void {
    this.errors[kind] = (this.errors[kind] ?? 0) + 1
    if (message !== undefined && !(kind in this.errorMessages)) this.errorMessages[kind] = message
    this.target(url).errors++
  }

  /** Record a finished logical stream (after every attempt it took). */
  recordStream(sample: StreamSample): void {
    this.totalStreams++
    if (sample.class === 'control') this.controlStreams++
    else this.bulkStreams++
    if (sample.ok) {
      this.successfulStreams++
      this.target(sample.target).streams++
      this.streamDuration.recordMs(sample.durationMs)
      if (this.streamSamples.length < SAMPLE_LIMIT) this.streamSamples.push(sample)
    } else {
      this.failedStreams++
      if (this.errorSamples.length < SAMPLE_LIMIT) this.errorSamples.push(sample)
    }
  }

  /** Freeze the tally as plain data. `openChannels` are channels this worker never closed. */
  toPartial(openChannels: number): WorkerPartial {
    const targets: Record<string, TargetPartial> = {}
    for (const [url, t] of this.targets) targets[url] = { ...t, ack: t.ack.encode(), setup: t.setup.encode() }
    const active: Record<string, number> = {}
    for (const [url, n] of this.active) if (n !== 0) active[url] = n
    return {
      startedAt: this.startedAt,
      finishedAt: Date.now(),
      totalStreams: this.totalStreams,
      successfulStreams: this.successfulStreams,
      failedStreams: this.failedStreams,
      bytesSent: this.bytesSent,
      framesSent: this.framesSent,
      acksReceived: this.acksReceived,
      abandonedFrames: this.abandonedFrames,
      ackMismatchedStreams: this.ackMismatchedStreams,
      ackIntegrityErrors: this.ackIntegrityErrors,
      failoverEvents: this.failoverEvents,
      channelOpens: this.channelOpens,
      channelCloses: this.channelCloses,
      channelLeaks: openChannels,
      controlStreams: this.controlStreams,
      bulkStreams: this.bulkStreams,
      histograms: {
        ack: this.ack.encode(),
        controlAck: this.controlAck.encode(),
        bulkAck: this.bulkAck.encode(),
        setup: this.setup.encode(),
        streamDuration: this.streamDuration.encode(),
      },
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
    }
  }
}
