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
