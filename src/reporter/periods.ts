import type { RunEvent } from '../run/events.js'

/** A stretch of a run during which a proxy had impairments on (ms from the run's start). */
export interface ImpairmentPeriod {
  source: string
  from: number
  to: number
  /** The impairments on, e.g. 'latency, loss'. */
  label: string
}

interface Spec {
  kind?: string
  name?: string
}

function key(spec: Spec): string {
  return spec.name ?? spec.kind ?? '?'
}

/**
 * When each proxy had impairments on, from its impairment.* and flap.* events (oldest first),
 * closing a period still open at `endMs`.
 */
export function impairmentPeriods(events: readonly RunEvent[], endMs: number): ImpairmentPeriod[] {
  const on = new Map<string, Map<string, string>>()
  const open = new Map<string, { from: number; label: string }>()
  const periods: ImpairmentPeriod[] = []
  const close = (source: string, at: number) => {
    const current = open.get(source)
    if (current && at > current.from)
      periods.push({ source, from: current.from, to: at, label: current.label })
    open.delete(source)
  }
  for (const event of [...events].sort((a, b) => a.at - b.at)) {
    const { source } = event
    const active = on.get(source) ?? new Map<string, string>()
    on.set(source, active)
    const one = event.impairment as Spec | undefined
    switch (event.type) {
      case 'impairment.set':
        active.clear()
        for (const spec of (event.impairments as Spec[] | undefined) ?? [])
          active.set(key(spec), spec.kind ?? '?')
        break
      case 'impairment.clear':
        active.clear()
        break
      case 'impairment.add':
      case 'impairment.update':
      case 'flap.down':
        if (one) active.set(key(one), one.kind ?? '?')
        break
      case 'impairment.remove':
        if (one) active.delete(key(one))
        break
      case 'flap.up':
        active.delete(typeof event.name === 'string' ? event.name : '')
        break
      default:
        continue
    }
    const label = [...new Set(active.values())].join(', ')
    const at = Math.max(event.at, 0)
    if (open.get(source)?.label === label) continue
    close(source, at)
    if (label) open.set(source, { from: at, label })
  }
  for (const source of [...open.keys()]) close(source, endMs)
  return periods.sort((a, b) => a.from - b.from)
}
