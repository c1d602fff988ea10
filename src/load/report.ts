import { LatencyHistogram } from '../metrics/histogram.js'
import type { MultipathStats } from '../multipath/connection.js'
import type { WorkerPartial } from './collector.js'
import type { ResolvedConfig } from './config.js'
import { type ResourceSample, summarizeResources } from './resources.js'
import {
  type LoadReportBody,
  REPORT_COUNTERS,
  type ReportConfig,
  TARGET_COUNTERS,
  type TargetCounters,
  type TargetStats,
} from './types.js'

export const SCHEMA_VERSION = 'quicksand.load-report/1'

function ms(value: number): number {
  return Math.round(value * 1000) / 1000
}

function merged(encoded: string[]): LatencyHistogram {
  const total = new LatencyHistogram()
  for (const one of encoded) total.merge(LatencyHistogram.decode(one))
  return total
}

function addInto(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, value] of Object.entries(from)) into[key] = (into[key] ?? 0) + value
}

/** The config as a report records it: no runner-only fields. */
function reportConfig(config: ResolvedConfig): ReportConfig {
  const { fingerprints: _p, ...rest } = config
  return rest
}

/**
 * Merge the workers' tallies into a report body (the runner adds timeline, events and the
 * verdict). `nodeChannelsActive` holds, per target URL, the channels an in-process
 * node still had open at the end — the node's side of the leak count.
 */
export function buildReport(
  config: ResolvedConfig,
  partials: WorkerPartial[],
  startedAt: Date,
  finishedAt: Date,
  nodeChannelsActive: Record<string, number>,
  nodeStats: Record<string, unknown> = {},
  mainSamples: ResourceSample[] = [],
): LoadReportBody {
  const resourceSamples = [...mainSamples, ...partials.flatMap((p) => p.resourceSamples)]
  const totals = Object.fromEntries(REPORT_COUNTERS.map((key) => [key, 0])) as Record<
    (typeof REPORT_COUNTERS)[number],
    number
  >
  const errors: Record<string, number> = {}
  const rerouteCauses: Record<string, number> = {}
  const errorMessages: Record<string, string> = {}
  for (const partial of partials) {
    for (const key of REPORT_COUNTERS) totals[key] += partial[key]
    addInto(errors, partial.errors)
    addInto(rerouteCauses, partial.rerouteCauses)
    for (const [kind, message] of Object.entries(partial.errorMessages)) errorMessages[kind] ??= message
  }
  const loadStart = Math.min(...partials.map((p) => p.startedAt), finishedAt.getTime())
  const loadEnd = Math.max(...partials.map((p) => p.finishedAt), loadStart)
  const seconds = Math.max((loadEnd - loadStart) / 1000, 1e-6)
  const histogram = (key: keyof WorkerPartial['histograms']) => merged(partials.map((p) => p.histograms[key]))
  const ack = histogram('ack')
  const setup = histogram('setup')
  const reroute = histogram('reroute')

  const targetStats: Record<string, TargetStats> = {}
  const targetBytes: Record<string, number> = {}
  const targetStreams: Record<string, number> = {}
  const active: Record<string, number> = {}
  const maxActive: Record<string, number> = {}
  let nodeLeaks = 0
  for (const url of config.targets) {
    const parts = partials.map((p) => p.targets[url]).filter((t) => t !== undefined)
    const counters = Object.fromEntries(
      TARGET_COUNTERS.map((key) => [key, parts.reduce((n, t) => n + t[key], 0)]),
    ) as TargetCounters
    const targetAck = merged(parts.map((t) => t.ack))
    const targetSetup = merged(parts.map((t) => t.setup))
    const targetDuration = merged(parts.map((t) => t.duration))
    const stats: TargetStats = {
      ...counters,
      ackP50Ms: ms(targetAck.percentileMs(50)),
      ackP95Ms: ms(targetAck.percentileMs(95)),
      maxAckMs: ms(targetAck.maxMs),
      setupP95Ms: ms(targetSetup.percentileMs(95)),
      bytesSent: counters.bytes,
      framesSent: counters.frames,
      acksReceived: counters.acks,
      setupLatencyP50Ms: ms(targetSetup.percentileMs(50)),
      setupLatencyP95Ms: ms(targetSetup.percentileMs(95)),
      durationP50Ms: ms(targetDuration.percentileMs(50)),
      durationP95Ms: ms(targetDuration.percentileMs(95)),
      maxActiveChannels: partials.reduce((n, p) => n + (p.route.maxActive[url] ?? 0), 0),
      routeModes: {},
    }
    for (const part of parts) addInto(stats.routeModes, part.routeModes)
    const onNode = nodeChannelsActive[url]
    if (onNode !== undefined) {
      stats.nodeChannelsActive = onNode
      nodeLeaks += onNode
    }
    targetStats[url] = stats
    targetBytes[url] = stats.bytes
    targetStreams[url] = stats.streams
    for (const p of partials) {
      const left = p.route.active[url]
      if (left) active[url] = (active[url] ?? 0) + left
      maxActive[url] = (maxActive[url] ?? 0) + (p.route.maxActive[url] ?? 0)
    }
  }
  const acquiredTotal = partials.reduce((n, p) => n + p.route.acquired, 0)
  const releasedTotal = partials.reduce((n, p) => n + p.route.released, 0)
  const targetProbes = partials.find((p) => p.targetProbes.length > 0)?.targetProbes ?? []
  const sample = <T>(lists: T[][]) => lists.flat().slice(0, 25)

  return {
    schemaVersion: SCHEMA_VERSION,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    config: reportConfig(config),
    ...totals,
    channelLeaks: totals.channelLeaks + nodeLeaks,
    channelChurnPerSec: Math.round((totals.channelOpens / seconds) * 10) / 10,
    throughputBps: Math.round((totals.bytesSent * 8) / seconds),
    setupLatencyP50Ms: ms(setup.percentileMs(50)),
    setupLatencyP95Ms: ms(setup.percentileMs(95)),
    setupLatencyP99Ms: ms(setup.percentileMs(99)),
    channelOpenP50Ms: ms(setup.percentileMs(50)),
    channelOpenP95Ms: ms(setup.percentileMs(95)),
    channelOpenP99Ms: ms(setup.percentileMs(99)),
    rerouteLatencyP50Ms: ms(reroute.percentileMs(50)),
    rerouteLatencyP95Ms: ms(reroute.percentileMs(95)),
    lastRecoveryAtMs: ms(Math.max(0, ...partials.map((p) => p.lastRecoveryAtMs))),
    rerouteLatencyP99Ms: ms(reroute.percentileMs(99)),
    failoverRecoveryP95Ms: ms(histogram('recovery').percentileMs(95)),
    ackP50Ms: ms(ack.percentileMs(50)),
    ackP95Ms: ms(ack.percentileMs(95)),
    ackP99Ms: ms(ack.percentileMs(99)),
    ackPercentiles: ack.percentileDistribution().map(([p, value]) => [p, ms(value)]),
    controlAckP95Ms: ms(histogram('controlAck').percentileMs(95)),
    bulkAckP95Ms: ms(histogram('bulkAck').percentileMs(95)),
    streamDurationP95Ms: ms(histogram('streamDuration').percentileMs(95)),
    errors,
    errorMessages,
    rerouteCauses,
    targetBytes,
    targetStreams,
    targetStats,
    routePressure: {
      acquiredTotal,
      releasedTotal,
      activeTotal: acquiredTotal - releasedTotal,
      active,
      maxActiveTotal: partials.reduce((n, p) => n + p.route.maxActiveTotal, 0),
      maxActive,
    },
    streamSamples: sample(partials.map((p) => p.streamSamples)),
    errorSamples: sample(partials.map((p) => p.errorSamples)),
    recoverySamples: sample(partials.map((p) => p.recoverySamples)),
    transportSnapshot: {
      connectionsOpened: partials.reduce((n, p) => n + p.connections.opened, 0),
      connectFailures: partials.reduce((n, p) => n + p.connections.failed, 0),
      channelOpens: totals.channelOpens,
      channelCloses: totals.channelCloses,
      activeChannels: totals.channelLeaks,
      nodes: nodeStats,
      ...multipathSnapshot(partials),
    },
    degradedTargets: Object.assign({}, ...partials.map((p) => p.degradedTargets)),
    resourceSamples,
    resourceSummary: summarizeResources(resourceSamples, config.soak),
    targetProbes,
    excludedTargets: targetProbes.filter((p) => !p.usable).map((p) => p.target),
  }
}

/** Every worker's multipath connection stats, by target URL; nothing when no target was multipath. */
function multipathSnapshot(partials: WorkerPartial[]): { multipath?: Record<string, MultipathStats[]> } {
  const merged: Record<string, MultipathStats[]> = {}
  for (const part of partials) {
    for (const [url, stats] of Object.entries(part.multipath ?? {}))
      merged[url] = [...(merged[url] ?? []), ...stats]
  }
  return Object.keys(merged).length > 0 ? { multipath: merged } : {}
}
