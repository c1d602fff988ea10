import type { Workload } from '../run/workload.js'
import type { WorkerPartial } from './collector.js'
import {
  type LoadConfig,
  type LoadTarget,
  type ResolvedConfig,
  resolveConfig,
  type TargetLike,
  targetOf,
} from './config.js'
import { ProbeBoard } from './probe.js'
import { buildReport } from './report.js'
import { ResourceSampler } from './resources.js'
import type { WorkerTask } from './stream-runner.js'
import { TargetHealth } from './target-health.js'
import type { LoadReportBody } from './types.js'
import { verdict } from './verdict/index.js'

/** The main thread's sampler of each run, from during() to merge(). */
const mainSamplers = new WeakMap<ResolvedConfig, ResourceSampler>()

/** Workers stop themselves at the run's timeout; past it by this much the runner stops them. */
const STUCK_GRACE_MS = 15_000

function channelsActiveOn(target: TargetLike | string): number | undefined {
  if (typeof target === 'string' || typeof target.stats !== 'function') return undefined
  const stats = target.stats() as { channelsActive?: unknown }
  return typeof stats?.channelsActive === 'number' ? stats.channelsActive : undefined
}

/** A config entry's target; a `{ multipath }` entry has no stats() and reads as a target without them. */
const plainTarget = (entry: LoadTarget) => targetOf(entry) as TargetLike | string

/** The fabric load: logical streams over fabric channels to nodes, with ACKs and failover. */
export const loadWorkload: Workload<LoadConfig, ResolvedConfig, WorkerTask, WorkerPartial, LoadReportBody> = {
  name: 'load',
  worker: new URL('./worker.js', import.meta.url),
  validate: resolveConfig,
  plan(config) {
    const workers = Math.min(config.workers, config.concurrency)
    const runStartedAt = Date.now()
    // One quarantine for the whole run: every task carries the same shared memory.
    const health = TargetHealth.allocate(config.targets.length)
    const probes = ProbeBoard.allocate(config.targets.length)
    return Array.from({ length: workers }, (_, index) => ({
      config,
      index,
      workers,
      concurrency: Math.floor(config.concurrency / workers) + (index < config.concurrency % workers ? 1 : 0),
      runStartedAt,
      health,
      probes,
    }))
  },
  deadlineMs: (config) => config.timeoutMs + STUCK_GRACE_MS,
  during(config, input) {
    // The main thread samples itself too: in-process nodes and the test's own sockets live here.
    const sampler = new ResourceSampler('main', config.resourceSampleIntervalMs)
    sampler.start()
    mainSamplers.set(config, sampler)
    const timer =
      config.failTarget < 0
        ? undefined
        : setTimeout(() => {
            void (targetOf(input.targets[config.failTarget]!) as TargetLike).kill?.()
          }, config.failAfterMs)
    return () => {
      clearTimeout(timer)
      sampler.stop()
    }
  },
  merge(config, partials, span, input) {
    const nodeChannelsActive: Record<string, number> = {}
    const nodeStats: Record<string, unknown> = {}
    input.targets.map(plainTarget).forEach((target, i) => {
      const active = channelsActiveOn(target)
      if (active !== undefined) nodeChannelsActive[config.targets[i]!] = active
      if (typeof target !== 'string' && typeof target.stats === 'function') {
        nodeStats[config.targets[i]!] = structuredClone(target.stats())
      }
    })
    const mainSamples = mainSamplers.get(config)?.stop() ?? []
    mainSamplers.delete(config)
    return buildReport(
      config,
      partials,
      span.startedAt,
      span.finishedAt,
      nodeChannelsActive,
      nodeStats,
      mainSamples,
    )
  },
  verdict: (report) => verdict(report),
  progress: (config) => ({
    counters: ['streamsOk', 'streamsFailed'],
    unit: 'streams',
    // A soak keeps starting streams until its duration: only the duration bounds it.
    ...(config.soak ? {} : { total: config.streams }),
    ...(config.durationMs > 0 ? { durationMs: config.durationMs } : {}),
  }),
}
