// One worker's counters: ctraffic's totals, its connection levels, and the RTT histogram, each
// also recorded through the run's recorder so the timeline has them per interval.
import { LatencyHistogram } from '../metrics/histogram.js'
import type { Recorder } from '../run/recorder.js'

/** ctraffic's counters of one worker. */
export interface TrafficCounters {
  sent: number
  received: number
  dropped: number
  failedConnections: number
  failedConnects: number
  /** UDP: echoes that did not come back within the read deadline. */
  lost: number
}

/** How often counts go to the recorder: a count lands at most this late in the timeline. */
export const COUNT_FLUSH_MS = 10

/** Counts what the connections of one worker do. */
export class Tally {
  readonly counters: TrafficCounters = {
    sent: 0,
    received: 0,
    dropped: 0,
    failedConnections: 0,
    failedConnects: 0,
    lost: 0,
  }
  readonly rtt = new LatencyHistogram()
  private active = 0
  private connecting = 0
  /** What the recorder has been told so far: counts go to it in batches, not one call per packet. */
  private readonly recorded: TrafficCounters = { ...this.counters }
  private readonly timer: NodeJS.Timeout

  constructor(private readonly recorder: Recorder) {
    recorder.gauge('active', 0)
    recorder.gauge('connecting', 0)
    this.timer = setInterval(() => this.flush(), COUNT_FLUSH_MS)
    this.timer.unref()
  }

  /** Connections up now. */
  get activeConnections(): number {
    return this.active
  }

  /** Add n to one of ctraffic's counters. */
  count(name: keyof TrafficCounters, n = 1): void {
    this.counters[name] += n
  }

  /** Hand the recorder what was counted since the last flush. */
  flush(): void {
    for (const name of Object.keys(this.counters) as (keyof TrafficCounters)[]) {
      const delta = this.counters[name] - this.recorded[name]
      if (delta === 0) continue
      this.recorded[name] = this.counters[name]
      this.recorder.count(name, delta)
    }
  }

  /** Flush the last counts and stop the flush timer. */
  close(): void {
    clearInterval(this.timer)
    this.flush()
  }

  /** One echo came back after `ms`. */
  roundTrip(ms: number): void {
    this.rtt.recordMs(ms)
    this.recorder.latency('rtt', ms)
  }

  /**
   * A connection moved between levels: dialling (+connecting), up (+active), ended (-). The moves
   * are also counted (dialsStarted/dialsEnded, connectionsOpened/connectionsEnded) so live progress,
   * which sums counters, can tell the levels too (the CLI's monitor line).
   */
  level(change: { active?: number; connecting?: number }): void {
    if (change.active) {
      this.active += change.active
      this.recorder.gauge('active', this.active)
      this.recorder.count(
        change.active > 0 ? 'connectionsOpened' : 'connectionsEnded',
        Math.abs(change.active),
      )
    }
    if (change.connecting) {
      this.connecting += change.connecting
      this.recorder.gauge('connecting', this.connecting)
      this.recorder.count(change.connecting > 0 ? 'dialsStarted' : 'dialsEnded', Math.abs(change.connecting))
    }
  }

  /** An event in the run's event stream (a failed connection). */
  event(type: string, details: Record<string, unknown>): void {
    this.recorder.event(type, details)
  }
}
