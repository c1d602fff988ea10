// A traffic run's report: ctraffic's statistics under its own field names and units, plus the
// RTT histogram, hosts served, per-second timeline and recovery after each disturbance.
import { LatencyHistogram } from '../metrics/histogram.js'
import type { TimelineSample } from '../run/timeline.js'
import type { RunRecord, RunSpan, Verdict } from '../run/workload.js'
import type { ResolvedTrafficConfig } from './config.js'
import type { ConnStats } from './conn-stats.js'
import type { TrafficPartial } from './worker.js'

/** ctraffic's per-second sample: counters summed from the start, Time in ns after it. */
export interface TrafficSample {
  Time: number
  Sent: number
  Received: number
  Dropped: number
}

/** Round-trip times of the echoes, in ms. */
export interface RttSummary {
  count: number
  p50Ms: number
  p95Ms: number
  p99Ms: number
  maxMs: number
}

/** A disturbance of the run and what it cost. */
export interface DisturbanceRecord {
  name: string
  /** When it was done, ms after the run started. */
  atMs: number
  /**
   * From its first late or failed packet to the start of the first second back at the full rate
   * with every connection active (ms, to the second); 0 when nothing was late or failed; null when
   * the run ended before it recovered.
   */
  recoveryMs: number | null
}

/** When the traffic ran, ms after the run started (worker start-up comes before it). */
export interface TrafficWindow {
  startMs: number
  endMs: number
}

/** What the workload's merge produces (the runner adds timeline, events and verdict). */
export interface TrafficReportBody {
  /** When the run started (RFC 3339). */
  Started: string
  /** How long it ran, ns. */
  Duration: number
  /** KB/s over all connections. */
  Rate: number
  Connections: number
  PacketSize: number
  FailedConnections: number
  Sent: number
  Received: number
  Dropped: number
  /** The kernel's total retransmits over every connection; null when they could not be read (see retransmitsReason). */
  Retransmits: number | null
  FailedConnects: number
  ConnStats: ConnStats[]
  /** Why Retransmits is null. */
  retransmitsReason?: string
  /** TCP connections that were up but ended before the kernel's figure was read (left out of Retransmits). */
  retransmitsUnread: number
  /** Packets sent whose echo never came back (Sent - Received). */
  lost: number
  rtt: RttSummary
  /** Connections per host name the echo servers stamped. */
  hosts: Record<string, number>
  udp: boolean
  address: string
  /** When the traffic ran, ms after the run (and its timeline) started. */
  window: TrafficWindow
  /** The generator's memory at the second it held the most connections. */
  memory: TrafficMemory
}

/** What the connections cost the generating side (the echo servers are not counted). */
export interface TrafficMemory {
  /** Most connections up at one of the once-a-second readings (summed over workers). */
  connections: number
  /** The workers' JS heap growth at that reading divided by the connections; null without a reading. */
  heapBytesPerConnection: number | null
  /** The whole process's resident set at that reading (servers in this process included). */
  rssBytes: number
}

/** A traffic run's full report. */
export interface TrafficReport extends TrafficReportBody, RunRecord, Verdict {
  /** ctraffic's per-second cumulative samples. */
  Samples: TrafficSample[]
  disturbances: DisturbanceRecord[]
  /** The longest recovery of any disturbance (ms); null when one never recovered; 0 without disturbances. */
  recoveryMs: number | null
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}

function memoryOf(partials: TrafficPartial[]): TrafficMemory {
  const connections = partials.reduce((n, p) => n + p.memory.connections, 0)
  const heap = partials.reduce((n, p) => n + p.memory.heapBytes, 0)
  return {
    connections,
    heapBytesPerConnection: connections === 0 ? null : Math.round(heap / connections),
    rssBytes: Math.max(0, ...partials.map((p) => p.memory.rssBytes)),
  }
}

/** Merge the workers' partials into the report body. */
export function mergeTraffic(
  config: ResolvedTrafficConfig,
  partials: TrafficPartial[],
  span: RunSpan,
): TrafficReportBody {
  const conns = partials.flatMap((p) => p.conns).sort((a, b) => a.Started - b.Started)
  const rtt = new LatencyHistogram()
  for (const p of partials) rtt.merge(LatencyHistogram.decode(p.rtt))
  const sum = (key: keyof TrafficPartial['counters']) => partials.reduce((n, p) => n + p.counters[key], 0)
  const reason = partials.find((p) => p.retransmitsReason !== undefined)?.retransmitsReason
  const hosts: Record<string, number> = {}
  for (const c of conns) if (c.Host !== undefined) hosts[c.Host] = (hosts[c.Host] ?? 0) + 1
  const sent = sum('sent')
  const received = sum('received')
  const body: TrafficReportBody = {
    Started: span.startedAt.toISOString(),
    Duration: Math.round((span.finishedAt.getTime() - span.startedAt.getTime()) * 1e6),
    Rate: config.rate,
    Connections: config.nconn,
    PacketSize: config.psize,
    FailedConnections: sum('failedConnections'),
    Sent: sent,
    Received: received,
    Dropped: sum('dropped'),
    Retransmits: reason === undefined ? conns.reduce((n, c) => n + (c.Retransmits ?? 0), 0) : null,
    FailedConnects: sum('failedConnects'),
    ConnStats: conns,
    lost: sent - received,
    // With no figure at all (null, with its reason) there is nothing to leave out.
    retransmitsUnread:
      config.udp || reason !== undefined
        ? 0
        : conns.filter((c) => c.Connect > 0 && c.Retransmits === null).length,
    rtt: {
      count: rtt.count,
      p50Ms: round3(rtt.percentileMs(50)),
      p95Ms: round3(rtt.percentileMs(95)),
      p99Ms: round3(rtt.percentileMs(99)),
      maxMs: round3(rtt.maxMs),
    },
    hosts,
    udp: config.udp,
    address: config.address,
    memory: memoryOf(partials),
    window: {
      startMs: round3(Math.min(...partials.map((p) => p.window.startMs))),
      endMs: round3(Math.max(...partials.map((p) => p.window.endMs))),
    },
  }
  if (reason !== undefined) body.retransmitsReason = reason
  return body
}

/** ctraffic's Samples from a one-second timeline: taken each second while more than 1.5 s of the traffic was left. */
export function ctrafficSamples(timeline: TimelineSample[], window: TrafficWindow): TrafficSample[] {
  const durationMs = window.endMs
  const samples: TrafficSample[] = []
  let sent = 0
  let received = 0
  let dropped = 0
  const bySecond = new Map<number, TimelineSample[]>()
  for (const s of timeline) {
    const second = Math.floor(s.at / 1000)
    bySecond.set(second, [...(bySecond.get(second) ?? []), s])
  }
  for (let second = 0; second * 1000 < durationMs - 1500; second++) {
    for (const s of bySecond.get(second) ?? []) {
      sent += s.sent ?? 0
      received += s.received ?? 0
      dropped += s.dropped ?? 0
    }
    samples.push({ Time: (second + 1) * 1e9, Sent: sent, Received: received, Dropped: dropped })
  }
  return samples
}

/** Share of the configured packet rate a second must reach to count as back at the full rate. */
export const FULL_RATE_SHARE = 0.8

/** True when an interval had trouble: late or lost packets, failures, or connections not up. */
function troubled(s: TimelineSample, nconn: number): boolean {
  return (
    (s.dropped ?? 0) > 0 ||
    (s.lost ?? 0) > 0 ||
    (s.failedConnections ?? 0) > 0 ||
    (s.failedConnects ?? 0) > 0 ||
    (s.active ?? 0) < nconn
  )
}

/** Recovery after each disturbance, from the timeline and the failure events. */
export function recoveries(
  config: ResolvedTrafficConfig,
  timeline: TimelineSample[],
  failures: number[],
  window: TrafficWindow,
): DisturbanceRecord[] {
  const packetsPerSec = (config.rate * 1024) / config.psize
  // Only whole intervals before the last 2 s, where connections are still replaced, are judged.
  const judged = timeline.filter((s) => s.at >= window.startMs && s.at + s.ms <= window.endMs - 1000)
  return config.disturb.map(({ name, atMs }) => {
    const after = judged.filter((s) => s.at + s.ms > atMs)
    const firstBad = after.find((s) => troubled(s, config.nconn))
    const firstFailure = failures.find((at) => at >= atMs)
    if (!firstBad && firstFailure === undefined) return { name, atMs, recoveryMs: 0 }
    const startAt = Math.max(
      atMs,
      Math.min(firstFailure ?? Number.POSITIVE_INFINITY, firstBad?.at ?? Number.POSITIVE_INFINITY),
    )
    const good = after.find(
      (s) =>
        s.at >= startAt &&
        !troubled(s, config.nconn) &&
        (s.connecting ?? 0) === 0 &&
        // Connections send at random phases, so a second's count wanders around the rate.
        (s.sent ?? 0) >= FULL_RATE_SHARE * packetsPerSec * (s.ms / 1000),
    )
    return { name, atMs, recoveryMs: good ? Math.max(0, Math.round(good.at - startAt)) : null }
  })
}
