import { describeValue } from '../errors/field-error.js'
import { dropPlaces } from '../pipeline/accounting.js'
import type { PipelineReport } from '../pipeline/report.js'
import { reportGuard } from './report-guard.js'

/** Why `value` is not a pipeline report, or undefined when it is one. */
export function pipelineReportProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return `got ${describeValue(value)}`
  const report = value as Partial<PipelineReport>
  if (report.kind !== 'pipeline') return `kind is ${describeValue(report.kind)}, not 'pipeline'`
  for (const field of ['generator', 'hops', 'sink', 'accounting'] as const) {
    if (typeof report[field] !== 'object' || report[field] === null) return `${field} is missing`
  }
  return undefined
}

/** Result for a value that is not a PipelineReport: fails with and without `.not`. */
export const notAPipelineReport = reportGuard({
  run: 'fabric.pipeline()',
  type: 'PipelineReport',
  problem: (r) => `${pipelineReportProblem(r)}`,
})

function row(cells: (string | number)[], widths: number[]): string {
  return cells
    .map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]!) : String(cell).padStart(widths[i]!)))
    .join('  ')
}

/**
 * The seed-style per-hop table: generator, each hop's ingress and egress counters, the impairments
 * between them, the sink, and the balance of the accounting.
 */
export function pipelineTable(report: PipelineReport): string {
  const header = [
    'place',
    'received',
    'matched',
    'bufExhaust',
    'parseErr',
    'kernel',
    'submitted',
    'sent',
    'sendErr',
    'peakPps',
  ]
  const rows: (string | number)[][] = []
  for (const hop of report.hops) {
    const impairment = report.impairments.find((i) => i.between[1] === hop.hop)
    if (impairment) {
      rows.push([
        impairment.place,
        impairment.packetsIn,
        '',
        `dropped ${impairment.dropped}`,
        '',
        impairment.kernelDrops,
        '',
        impairment.packetsOut,
        '',
        '',
      ])
    }
    rows.push([
      `hop${hop.hop}${hop.delayUs > 0 ? ` (${hop.delayUs}us)` : ''}`,
      hop.received,
      hop.matched,
      hop.bufExhaust,
      hop.parseErrors,
      hop.kernelDrops,
      hop.submitted,
      hop.sent,
      hop.sendErrors,
      hop.peakEgressPps,
    ])
  }
  const last = report.impairments.find((i) => i.between[1] === report.hops.length + 1)
  if (last)
    rows.push([
      last.place,
      last.packetsIn,
      '',
      `dropped ${last.dropped}`,
      '',
      last.kernelDrops,
      '',
      last.packetsOut,
      '',
      '',
    ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
  const { generator: g, sink: s, accounting: a } = report
  const places = dropPlaces(a)
  return [
    `  generator  ${g.generated} packets at ${g.achievedPps} pps (target ${g.targetPps}), ${g.sendErrors} send errors`,
    `  ${row(header, widths)}`,
    ...rows.map((r) => `  ${row(r, widths)}`),
    `  sink       delivered ${s.delivered} (${s.deliveredPps} pps), duplicated ${s.duplicated}, reordered ${s.reordered}, corrupted ${s.corrupted}, parse errors ${s.parseErrors}, kernel drops ${s.kernelDrops}`,
    `  accounting generated ${a.generated} = delivered ${a.delivered} + drops ${a.explained}` +
      (places.length > 0 ? ` (${places.map(([place, n]) => `${place} ${n}`).join(', ')})` : '') +
      ` + unexplained ${a.unexplainedLoss}`,
  ].join('\n')
}
