import type { TimelineSample } from '../run/timeline.js'
import { type HopCounters, zeroHopCounters } from './config.js'
import type { HopRunner } from './hop-runner.js'
import { udpSocketDrops } from './kernel.js'
import type { SinkCounters } from './protocol.js'
import { statsLines } from './stats-lines.js'
import type { PipelineThread } from './thread.js'

/** The seed printed its counters every second. */
export const SAMPLE_MS = 1000

const HOP_DELTAS = [
  'received',
  'matched',
  'bufExhaust',
  'parseErrors',
  'submitted',
  'sent',
  'sendErrors',
  'bytes',
] as const
const ZERO: HopCounters = zeroHopCounters()
const SINK_DELTAS = ['received', 'delivered', 'duplicated', 'reordered', 'corrupted', 'parseErrors'] as const

/** Polls every hop and the sink once a second: timeline samples, and `[STATS:...]` lines when asked. */
export class Sampler {
  readonly timeline: TimelineSample[] = []
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private stopped = false
  private started = 0
  private lastAt = 0
  private lastHops: HopCounters[] | undefined
  private lastSink: SinkCounters | undefined
  private readonly lastHopKernel: number[] = []

  constructor(
    private readonly hops: readonly HopRunner[],
    private readonly sink: PipelineThread,
    private readonly ports: readonly number[],
    private readonly print: boolean,
  ) {}

  /** Take a first reading now and then one every SAMPLE_MS. */
  start(): void {
    this.started = performance.now()
    this.lastAt = this.started
    this.schedule()
  }

  private schedule(): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.running = this.sample().finally(() => {
        this.running = undefined
        this.schedule()
      })
    }, SAMPLE_MS)
  }

  private async sample(): Promise<void> {
    let hops: HopCounters[]
    let sink: SinkCounters
    try {
      hops = await Promise.all(this.hops.map((hop) => hop.stats()))
      sink = await this.sink.stats<SinkCounters>()
    } catch {
      // A thread that failed fails the run itself; the sampler just stops.
      this.stopped = true
      return
    }
    const now = performance.now()
    const ms = now - this.lastAt
    const kernel = udpSocketDrops(this.ports) ?? new Map<number, number>()
    const sample: TimelineSample = { at: Math.round(this.lastAt - this.started), ms: Math.round(ms) }
    hops.forEach((counters, i) => {
      const before = this.lastHops?.[i] ?? ZERO
      for (const key of HOP_DELTAS) sample[`hop${i + 1}.${key}`] = counters[key] - before[key]
      sample[`hop${i + 1}.inPool`] = counters.inPool
      const port = this.hops[i]!.port
      const drops = this.hops[i]!.kernelDrops ?? kernel.get(port) ?? 0
      sample[`hop${i + 1}.kernelDrops`] = drops - (this.lastHopKernel[i] ?? 0)
      this.lastHopKernel[i] = drops
      if (this.print) {
        for (const line of statsLines(i + 1, counters, drops, before, ms)) console.log(line)
      }
    })
    for (const key of SINK_DELTAS) sample[`sink.${key}`] = sink[key] - (this.lastSink?.[key] ?? 0)
    this.timeline.push(sample)
    this.lastHops = hops
    this.lastSink = sink
    this.lastAt = now
  }

  /** Stop, and take a last sample of the interval since the previous one. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearTimeout(this.timer)
    await this.running
    if (performance.now() - this.lastAt >= 1) await this.sample()
  }
}
