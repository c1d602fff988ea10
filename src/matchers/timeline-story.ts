// Where in a run a latency went over its limit, and what happened just before: the line a
// failure message adds so a regression points at its cause ("... 40 ms after latency ms=150
// was set on proxy tcp://127.0.0.1:5000").
import type { LoadReport } from '../load/types.js'
import { formatMetric } from '../load/verdict/metric-format.js'
import type { ReportEvent } from '../run/workload.js'

const QUIET_FIELDS = new Set(['kind', 'name', 'direction', 'toxicity'])

function seconds(ms: number): string {
  return `${formatMetric(ms / 1000)} s`
}

/** An impairment spec in a few words: 'latency ms=150 jitterMs=10'. */
function describeSpec(spec: unknown): string {
  if (typeof spec !== 'object' || spec === null) return String(spec)
  const { kind } = spec as { kind?: unknown }
  const params = Object.entries(spec)
    // A zero or false field adds nothing (jitterMs=0), so only what shapes the impairment is shown.
    .filter(([key, value]) => !QUIET_FIELDS.has(key) && value !== undefined && value !== 0 && value !== false)
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
  return [String(kind), ...params].join(' ')
}

/** One event in words: what happened and to whom. */
export function describeEvent(event: ReportEvent): string {
  const specs = Array.isArray(event.impairments)
    ? event.impairments
    : event.impairment
      ? [event.impairment]
      : []
  const what = specs.length > 0 ? `${event.type} (${specs.map(describeSpec).join(', ')})` : event.type
  return `${what} on ${event.source}`
}

/**
 * "ack p95 first went over 50 ms at 1.2 s (180 ms in that interval), 40 ms after impairment.set
 * (latency ms=150) on proxy tcp://127.0.0.1:5000"; undefined when no interval went over the limit.
 */
export function whenOverLimit(
  report: Pick<LoadReport, 'timeline' | 'events'>,
  field: string,
  label: string,
  limitMs: number,
): string | undefined {
  if (!Array.isArray(report.timeline)) return undefined
  const over = report.timeline.find((sample) => typeof sample[field] === 'number' && sample[field]! > limitMs)
  if (!over) return undefined
  let line = `${label} first went over ${formatMetric(limitMs)} ms at ${seconds(over.at)} (${formatMetric(over[field]!)} ms in the ${formatMetric(over.ms)} ms from there)`
  // The latest event at or before the end of that interval, but not a run's own failover storm.
  const before = (Array.isArray(report.events) ? report.events : [])
    .filter((event) => event.at <= over.at + over.ms && event.type !== 'failover')
    .at(-1)
  if (before) {
    const gap = over.at - before.at
    const when = gap >= 0 ? `${formatMetric(gap)} ms after` : 'in the same interval as'
    line += `, ${when} ${describeEvent(before)}`
  }
  return line
}
