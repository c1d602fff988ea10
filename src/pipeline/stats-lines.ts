import type { HopCounters } from './config.js'

/** The seed's per-second telemetry lines for one hop: totals, plus the interval's rate. */
export function statsLines(
  hop: number,
  now: HopCounters,
  kernelDrops: number,
  before: HopCounters,
  ms: number,
): string[] {
  const rate = (a: number, b: number) => Math.round(((a - b) * 1000) / Math.max(ms, 1))
  return [
    `[STATS:Ingress] hop=${hop} recv=${now.received} matched=${now.matched} buf_exhaust=${now.bufExhaust} ` +
      `parse_errors=${now.parseErrors} kernel_drops=${kernelDrops} pps=${rate(now.received, before.received)}`,
    `[STATS:Egress] hop=${hop} submitted=${now.submitted} sent=${now.sent} errors=${now.sendErrors} ` +
      `bytes=${now.bytes} queued=${now.inPool} pps=${rate(now.sent, before.sent)}`,
  ]
}

// The keys of a `[STATS:...]` line and the counter each one sets (totals since the relay started).
const INGRESS_KEYS: Record<string, keyof HopCounters> = {
  recv: 'received',
  matched: 'matched',
  buf_exhaust: 'bufExhaust',
  parse_errors: 'parseErrors',
  parse_lost: 'parseLost',
}
const EGRESS_KEYS: Record<string, keyof HopCounters> = {
  submitted: 'submitted',
  sent: 'sent',
  errors: 'sendErrors',
  bytes: 'bytes',
  queued: 'inPool',
}
const LINE = /\[STATS:(Ingress|Egress)\]((?:\s+[a-z_]+=\d+)*)/

/**
 * Read one output line of a relay: the counters a `[STATS:Ingress]` or `[STATS:Egress]` line sets
 * (anything before the tag, e.g. a log prefix, and unknown keys are ignored), or undefined.
 */
export function parseStatsLine(line: string): Partial<HopCounters> | undefined {
  const match = LINE.exec(line)
  if (!match) return undefined
  const keys = match[1] === 'Ingress' ? INGRESS_KEYS : EGRESS_KEYS
  const counters: Partial<HopCounters> = {}
  for (const pair of match[2]!.trim().split(/\s+/)) {
    const [key, value] = pair.split('=')
    const counter = keys[key ?? '']
    if (counter !== undefined) counters[counter] = Number(value)
  }
  return counters
}
