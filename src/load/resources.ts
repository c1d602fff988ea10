// Resource sampling for soak and stress runs, the Node analogue of the reference's goroutine,
// heap and fd samples: each thread (the main thread, where in-process nodes and the test run,
// and every load worker) samples itself; the report sums the threads.
import { readdirSync } from 'node:fs'
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'
import { getHeapStatistics } from 'node:v8'

/** One thread's resources at one moment. */
export interface ResourceSample {
  /** 'main' or 'worker N'. */
  thread: string
  observedAt: string
  elapsedMs: number
  /** process.getActiveResourcesInfo().length: handles and requests keeping the thread alive. */
  activeResources: number
  heapUsedBytes: number
  /**
   * The lowest heap in use seen right after a collection since the previous sample (heapUsedBytes
   * when none ran): the level the heap falls back to, which rises only when something is kept.
   */
  heapAfterGcBytes: number
  heapTotalBytes: number
  arrayBuffersBytes: number
  /** Open file descriptors of the process (/proc/self/fd), -1 where unknown; main thread only. */
  openFds: number
  /** Garbage collections of this thread so far. */
  gcCount: number
  /** p99 of the event loop's delay since the previous sample (ms). */
  eventLoopDelayP99Ms: number
  /** Stream attempts in flight and targets with any (workers). */
  activeStreams: number
  activeRoutes: number
}

/** Start / end / max / delta of each resource, summed over threads, as the reference's summary. */
export interface ResourceSummary {
  sampleCount: number
  threads: number
  activeResourcesStart: number
  activeResourcesEnd: number
  activeResourcesMax: number
  activeResourcesDelta: number
  heapUsedStartBytes: number
  heapUsedEndBytes: number
  heapUsedMaxBytes: number
  heapUsedDeltaBytes: number
  openFdsStart: number
  openFdsEnd: number
  openFdsMax: number
  openFdsDelta: number
  gcCountDelta: number
  eventLoopDelayP99MaxMs: number
  activeStreamsMax: number
  activeRoutesMax: number
  /** Soak runs only: least-squares slope per minute of each resource, summed over threads. */
  slopesPerMinute?: { activeResources: number; heapUsedMb: number; openFds: number }
}

/** Open file descriptors of this process, or -1 where /proc is missing. */
export function countOpenFds(): number {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return -1
  }
}

/** What a thread adds to its samples beyond the process' own figures. */
export type LoadLevel = () => { activeStreams: number; activeRoutes: number }

/** Samples one thread every `intervalMs` (0: only at start and stop, as the reference). */
export class ResourceSampler {
  private readonly samples: ResourceSample[] = []
  private readonly delay = monitorEventLoopDelay({ resolution: 10 })
  private readonly gc: PerformanceObserver
  private gcCount = 0
  /** Lowest heap in use after a collection since the last sample; Infinity when none ran. */
  private heapAfterGc = Number.POSITIVE_INFINITY
  private stopped = false
  private timer: NodeJS.Timeout | undefined
  private readonly started = Date.now()

  constructor(
    private readonly thread: string,
    private readonly intervalMs: number,
    private readonly level: LoadLevel = () => ({ activeStreams: 0, activeRoutes: 0 }),
  ) {
    this.gc = new PerformanceObserver((list) => {
      this.gcCount += list.getEntries().length
      // Delivered just after the collection: the heap is at its floor, give or take a few objects.
      const used = getHeapStatistics().used_heap_size
      if (used < this.heapAfterGc) this.heapAfterGc = used
    })
  }

  /** Begin: first sample now, then one per interval. */
  start(): void {
    this.gc.observe({ entryTypes: ['gc'] })
    this.delay.enable()
    if (this.intervalMs > 0) {
      this.timer = setInterval(() => this.sample(), this.intervalMs)
      this.timer.unref()
    }
    this.sample()
  }

  /** End: a last sample, then stop; returns every sample taken (again, unchanged, when called twice). */
  stop(): ResourceSample[] {
    if (this.stopped) return this.samples
    this.stopped = true
    this.sample()
    clearInterval(this.timer)
    this.delay.disable()
    this.gc.disconnect()
    return this.samples
  }

  private sample(): void {
    const memory = process.memoryUsage()
    const now = Date.now()
    const p99 = this.delay.count > 0 ? this.delay.percentile(99) / 1e6 : 0
    this.delay.reset()
    const heapAfterGc = this.heapAfterGc
    this.heapAfterGc = Number.POSITIVE_INFINITY
    this.samples.push({
      thread: this.thread,
      observedAt: new Date(now).toISOString(),
      elapsedMs: now - this.started,
      activeResources: process.getActiveResourcesInfo().length,
      heapUsedBytes: memory.heapUsed,
      heapAfterGcBytes: Math.min(heapAfterGc, memory.heapUsed),
      heapTotalBytes: memory.heapTotal,
      arrayBuffersBytes: memory.arrayBuffers,
      openFds: this.thread === 'main' ? countOpenFds() : -1,
      gcCount: this.gcCount,
      eventLoopDelayP99Ms: Math.round(p99 * 1000) / 1000,
      ...this.level(),
    })
  }
}

/** Least-squares slope of `value` over elapsed minutes (0 with fewer than two samples). */
export function slopePerMinute(
  samples: readonly ResourceSample[],
  value: (s: ResourceSample) => number,
): number {
  if (samples.length < 2) return 0
  const xs = samples.map((s) => s.elapsedMs / 60_000)
  const ys = samples.map(value)
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length
  const my = ys.reduce((a, b) => a + b, 0) / ys.length
  let num = 0
  let den = 0
  xs.forEach((x, i) => {
    num += (x - mx) * (ys[i]! - my)
    den += (x - mx) ** 2
  })
  return den === 0 ? 0 : num / den
}

/** Windows the floor of a soak's samples is taken over: enough points for a slope, each wide enough for a GC cycle. */
const FLOOR_WINDOWS = 8

/**
 * The slope of the floor of `value`: the lowest sample of each of FLOOR_WINDOWS windows, fitted by
 * least squares. Heap in use is a sawtooth between collections and resources come and go with
 * streams, so a fit through every sample reads noise as a trend; the floor (after each
 * collection, between streams) rises only when something is kept.
 */
export function floorSlopePerMinute(
  samples: readonly ResourceSample[],
  value: (s: ResourceSample) => number,
): number {
  const width = Math.max(1, Math.floor(samples.length / FLOOR_WINDOWS))
  const floor: ResourceSample[] = []
  for (let start = 0; start < samples.length; start += width) {
    const window = samples.slice(start, start + width)
    floor.push(window.reduce((low, s) => (value(s) < value(low) ? s : low)))
  }
  return slopePerMinute(floor, value)
}

/**
 * A thread's samples while the run is under way: its first sample is taken before the first
 * connection and its last after the run closed them, so they are steps, not a trend. Kept when
 * there are too few samples to leave them out.
 */
function steadySamples(list: readonly ResourceSample[]): readonly ResourceSample[] {
  return list.length >= 6 ? list.slice(1, -1) : list
}

/** Sum the threads' start/end/max/delta (and, for a soak, slopes) into one summary. */
export function summarizeResources(samples: readonly ResourceSample[], soak: boolean): ResourceSummary {
  const byThread = new Map<string, ResourceSample[]>()
  for (const sample of samples) byThread.set(sample.thread, [...(byThread.get(sample.thread) ?? []), sample])
  const threads = [...byThread.values()].filter((list) => list.length > 0)
  const sum = (pick: (list: ResourceSample[]) => number) => threads.reduce((n, list) => n + pick(list), 0)
  const first = (f: (s: ResourceSample) => number) => (list: ResourceSample[]) => f(list[0]!)
  const last = (f: (s: ResourceSample) => number) => (list: ResourceSample[]) => f(list.at(-1)!)
  const max = (f: (s: ResourceSample) => number) => (list: ResourceSample[]) => Math.max(...list.map(f))
  const fds = byThread.get('main') ?? []
  const fdStart = fds[0]?.openFds ?? -1
  const fdEnd = fds.at(-1)?.openFds ?? -1
  const summary: ResourceSummary = {
    sampleCount: samples.length,
    threads: threads.length,
    activeResourcesStart: sum(first((s) => s.activeResources)),
    activeResourcesEnd: sum(last((s) => s.activeResources)),
    activeResourcesMax: sum(max((s) => s.activeResources)),
    activeResourcesDelta: sum(last((s) => s.activeResources)) - sum(first((s) => s.activeResources)),
    heapUsedStartBytes: sum(first((s) => s.heapUsedBytes)),
    heapUsedEndBytes: sum(last((s) => s.heapUsedBytes)),
    heapUsedMaxBytes: sum(max((s) => s.heapUsedBytes)),
    heapUsedDeltaBytes: sum(last((s) => s.heapUsedBytes)) - sum(first((s) => s.heapUsedBytes)),
    openFdsStart: fdStart,
    openFdsEnd: fdEnd,
    openFdsMax: fds.length > 0 ? Math.max(...fds.map((s) => s.openFds)) : -1,
    openFdsDelta: fdStart >= 0 && fdEnd >= 0 ? fdEnd - fdStart : 0,
    gcCountDelta: sum(last((s) => s.gcCount)) - sum(first((s) => s.gcCount)),
    eventLoopDelayP99MaxMs: Math.max(0, ...samples.map((s) => s.eventLoopDelayP99Ms)),
    activeStreamsMax: sum(max((s) => s.activeStreams)),
    activeRoutesMax: sum(max((s) => s.activeRoutes)),
  }
  if (soak) {
    const slope = (f: (s: ResourceSample) => number) =>
      threads.reduce((n, list) => n + floorSlopePerMinute(steadySamples(list), f), 0)
    const round = (x: number) => Math.round(x * 1000) / 1000
    summary.slopesPerMinute = {
      activeResources: round(slope((s) => s.activeResources)),
      heapUsedMb: round(slope((s) => s.heapAfterGcBytes / 1048576)),
      openFds: round(fds.length > 1 ? floorSlopePerMinute(steadySamples(fds), (s) => s.openFds) : 0),
    }
  }
  return summary
}
