import type { MessagePort } from 'node:worker_threads'
import { LatencyHistogram } from '../metrics/histogram.js'
import { nowMs } from './events.js'
import type { WorkerMessage } from './protocol.js'

/** Most events one worker sends in a run; a storm of failovers must not flood the main thread. */
export const MAX_WORKER_EVENTS = 1000

/** What a workload's worker side reports while it runs: counts, levels, latencies and events. */
export interface Recorder {
  /** Add n to a counter of the current interval. */
  count(name: string, n?: number): void
  /** Set a level (summed over workers) for the current interval. */
  gauge(name: string, value: number): void
  /** Record one latency in ms into the current interval's histogram `name`. */
  latency(name: string, ms: number): void
  /** Publish an event (failover, migration, ...) on the run's event bus. */
  event(type: string, details?: Record<string, unknown>): void
}

/** A Recorder that sends one sample per interval over a worker's port. */
export class IntervalRecorder implements Recorder {
  private counters: Record<string, number> = {}
  private readonly gauges: Record<string, number> = {}
  /** Reused from interval to interval (each holds ~90 KB of counts); `touched` says which have data. */
  private readonly histograms = new Map<string, LatencyHistogram>()
  private readonly touched = new Set<string>()
  private interval: number
  /** performance.now() at which the current interval ends: one comparison per record. */
  private boundary: number
  private readonly timer: NodeJS.Timeout
  private events = 0
  private dirty = false

  constructor(
    private readonly port: Pick<MessagePort, 'postMessage'>,
    private readonly runStartedAt: number,
    private readonly intervalMs: number,
  ) {
    this.interval = this.current()
    this.boundary = this.boundaryOf(this.interval)
    // Flush at each interval boundary even when nothing is recorded, so levels are sampled.
    this.timer = setInterval(() => this.roll(), intervalMs)
    this.timer.unref()
  }

  count(name: string, n = 1): void {
    this.roll()
    this.counters[name] = (this.counters[name] ?? 0) + n
    this.dirty = true
  }

  gauge(name: string, value: number): void {
    this.gauges[name] = value
    this.dirty = true
  }

  latency(name: string, ms: number): void {
    this.roll()
    let histogram = this.histograms.get(name)
    if (!histogram) {
      histogram = new LatencyHistogram()
      this.histograms.set(name, histogram)
    }
    histogram.recordMs(ms)
    this.touched.add(name)
    this.dirty = true
  }

  event(type: string, details: Record<string, unknown> = {}): void {
    if (++this.events > MAX_WORKER_EVENTS) return
    this.send({ type: 'event', event: { ...details, type, at: nowMs() } })
  }

  /** Send what is left and stop the interval timer. */
  close(): void {
    clearInterval(this.timer)
    this.flush()
  }

  private current(): number {
    return Math.max(0, Math.floor((nowMs() - this.runStartedAt) / this.intervalMs))
  }

  /** performance.now() at the end of interval `interval`. */
  private boundaryOf(interval: number): number {
    return this.runStartedAt + (interval + 1) * this.intervalMs - performance.timeOrigin
  }

  /** Send the finished interval's sample when the clock has moved past it. */
  private roll(): void {
    if (performance.now() < this.boundary) return
    this.flush()
    this.interval = this.current()
    this.boundary = this.boundaryOf(this.interval)
  }

  private flush(): void {
    if (!this.dirty) return
    const histograms: Record<string, string> = {}
    for (const name of this.touched) {
      const histogram = this.histograms.get(name)!
      histograms[name] = histogram.encode()
      histogram.reset()
    }
    this.touched.clear()
    this.send({
      type: 'sample',
      interval: this.interval,
      counters: this.counters,
      gauges: { ...this.gauges },
      histograms,
    })
    this.counters = {}
    // Levels carry on into the next interval until changed; an interval with only levels still counts.
    this.dirty = Object.keys(this.gauges).length > 0
  }

  private send(message: WorkerMessage): void {
    this.port.postMessage(message)
  }
}
