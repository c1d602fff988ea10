// The traffic workload on the one runner: validate ctraffic's knobs, split the connection slots
// over worker threads, fire the disturbances from the main thread, merge the connection records.
import type { EventBus } from '../run/events.js'
import type { Workload } from '../run/workload.js'
import { type ResolvedTrafficConfig, resolveTrafficConfig, type TrafficConfig } from './config.js'
import { mergeTraffic, type TrafficReportBody } from './report.js'
import type { TrafficPartial, TrafficTask } from './worker.js'

/** Workers stop by themselves at the run's end plus one read deadline; past this the runner stops them. */
const STUCK_GRACE_MS = 15_000

/** Why a traffic run fails its verdict, if it does. */
function verdictReasons(report: TrafficReportBody): string[] {
  const reasons: string[] = []
  if (report.Sent === 0) reasons.push(`no packet was sent to ${report.address}`)
  return reasons
}

/** The traffic workload, publishing its disturbances on `bus`. */
export function trafficWorkload(
  bus: EventBus,
): Workload<TrafficConfig, ResolvedTrafficConfig, TrafficTask, TrafficPartial, TrafficReportBody> {
  return {
    name: 'traffic',
    worker: new URL('./worker.js', import.meta.url),
    validate: resolveTrafficConfig,
    plan(config) {
      return Array.from({ length: config.workers }, (_, i) => ({
        config,
        slots: Math.floor(config.nconn / config.workers) + (i < config.nconn % config.workers ? 1 : 0),
      }))
    },
    deadlineMs: (config) => config.durationMs + STUCK_GRACE_MS,
    during(config, input) {
      const timers = config.disturb.map(({ atMs, name }, i) =>
        setTimeout(() => {
          bus.emit({ source: 'traffic', type: 'traffic.disturb', name })
          // A disturbance that throws is recorded, not allowed to crash the run.
          Promise.resolve()
            .then(() => input.disturb?.[i]?.do())
            .catch((error: unknown) =>
              bus.emit({ source: 'traffic', type: 'traffic.disturb.failed', name, error: String(error) }),
            )
        }, atMs),
      )
      return () => {
        for (const timer of timers) clearTimeout(timer)
      }
    },
    merge: (config, partials, span) => mergeTraffic(config, partials, span),
    verdict(report) {
      const reasons = verdictReasons(report)
      return { verdict: reasons.length === 0 ? 'pass' : 'fail', verdictReasons: reasons }
    },
    progress: (config) => ({ counters: ['received'], unit: 'packets', durationMs: config.durationMs }),
  }
}
