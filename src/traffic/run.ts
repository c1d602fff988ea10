import { writeFile } from 'node:fs/promises'
import { rejectUnknownKeys } from '../errors/field-error.js'
import { defaultEventBus } from '../run/events.js'
import { type RunOptions, type RunProgress, runWorkload } from '../run/runner.js'
import type { RunRecord, Verdict } from '../run/workload.js'
import { resolveTrafficConfig, type TrafficConfig } from './config.js'
import { checkFdLimit } from './fd-limit.js'
import { Monitor } from './monitor.js'
import { ctrafficSamples, recoveries, type TrafficReport, type TrafficReportBody } from './report.js'
import { trafficSvg } from './svg.js'
import { trafficWorkload } from './workload.js'

/** Run ctraffic's continuous echo traffic from worker threads and return its report. */
export async function runTraffic(config: TrafficConfig, options: RunOptions = {}): Promise<TrafficReport> {
  rejectUnknownKeys(options, ['signal', 'events', 'sampleIntervalMs', 'onProgress'], 'run options')
  const bus = options.events ?? defaultEventBus
  const resolved = resolveTrafficConfig(config)
  checkFdLimit(resolved.nconn)
  const monitor = config.monitor ? new Monitor(config.monitor, resolved.durationMs) : undefined
  const onProgress = (progress: RunProgress) => {
    monitor?.progress(progress)
    options.onProgress?.(progress)
  }
  let report: TrafficReportBody & RunRecord & Verdict
  try {
    // ctraffic samples once a second; the timeline does the same unless asked otherwise.
    report = await runWorkload(trafficWorkload(bus), config, {
      sampleIntervalMs: 1000,
      ...options,
      onProgress,
    })
  } finally {
    monitor?.stop()
  }
  const failures = report.events.filter((e) => e.type === 'traffic.connection.failed').map((e) => e.at)
  const disturbances = recoveries(resolved, report.timeline, failures, report.window)
  const recoveryMs = disturbances.some((d) => d.recoveryMs === null)
    ? null
    : Math.max(0, ...disturbances.map((d) => d.recoveryMs ?? 0))
  const full: TrafficReport = {
    ...report,
    Samples: ctrafficSamples(report.timeline, report.window),
    disturbances,
    recoveryMs,
  }
  if (resolved.svgPath !== undefined) await writeFile(resolved.svgPath, trafficSvg(full))
  return full
}
