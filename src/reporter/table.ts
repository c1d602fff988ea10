// The scenario table, for a terminal and as GitHub-flavoured Markdown (the CI step summary).
import type { ScenarioFile, ScenarioRow } from './scenarios.js'

/** The table's columns, in order (also the HTML page's). */
export const HEADINGS = [
  'scenario',
  'verdict',
  'Mbps',
  'ack p50',
  'ack p95',
  'ack p99',
  'setup p95',
  'failovers',
  'leaks',
  'time',
] as const

function fixed(ms: number | null): string {
  if (ms === null) return '-'
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(2)
}

function count(n: number | null): string {
  return n === null ? '-' : String(n)
}

function verdictCell(row: ScenarioRow): string {
  const verdict = row.verdict.toUpperCase()
  // A test can fail on its own assertions while the report's verdict passes: say both.
  return row.state === 'failed' && row.verdict === 'pass' ? `${verdict} (test failed)` : verdict
}

/** The cells of one row, in the headings' order (latencies in ms, time in s). */
export function rowCells(row: ScenarioRow): string[] {
  return [
    row.scenario,
    verdictCell(row),
    count(row.throughputMbps),
    fixed(row.ackP50Ms),
    fixed(row.ackP95Ms),
    fixed(row.ackP99Ms),
    fixed(row.setupP95Ms),
    count(row.failovers),
    count(row.leaks),
    `${(row.durationMs / 1000).toFixed(2)} s`,
  ]
}

/** A plain-text table per test file, columns padded, with each failing row's reasons under it. */
export function textTables(files: readonly ScenarioFile[]): string {
  const out: string[] = []
  for (const { file, rows } of files) {
    const cells = [HEADINGS as readonly string[], ...rows.map(rowCells)]
    const widths = HEADINGS.map((_, i) => Math.max(...cells.map((c) => c[i]?.length ?? 0)))
    const line = (c: readonly string[]) =>
      c.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')
    out.push('', file, `  ${line(HEADINGS)}`)
    rows.forEach((row, i) => {
      out.push(`  ${line(cells[i + 1] ?? [])}`)
      for (const reason of [...row.reasons, ...row.errors]) out.push(`      ${reason}`)
    })
  }
  return out.join('\n')
}

function escapeMarkdown(text: string): string {
  return text.replace(/[|\\`*_<>[\]]/g, (c) => `\\${c}`).replace(/\n/g, ' ')
}

/** The same tables as GitHub-flavoured Markdown, reasons in the verdict cell. */
export function markdownTables(files: readonly ScenarioFile[]): string {
  const out = ['## quicksand scenarios']
  for (const { file, rows } of files) {
    out.push(
      '',
      `### ${escapeMarkdown(file)}`,
      '',
      `| ${HEADINGS.join(' | ')} |`,
      `|${' --- |'.repeat(HEADINGS.length)}`,
    )
    for (const row of rows) {
      const cells = rowCells(row).map(escapeMarkdown)
      const why = [...row.reasons, ...row.errors].map(escapeMarkdown)
      if (why.length) cells[1] = `${cells[1]}: ${why.join('; ')}`
      out.push(`| ${cells.join(' | ')} |`)
    }
  }
  return `${out.join('\n')}\n`
}
