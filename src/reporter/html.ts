// The self-contained HTML report: uPlot's script and style, the page's script and every run's data
// are inlined when the page is written, so it opens from disk with no network.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { PAGE_SCRIPT } from './page-script.js'
import type { ScenarioFile, ScenarioRow } from './scenarios.js'
import { isFailedRow } from './scenarios.js'
import { HEADINGS, rowCells } from './table.js'

const require = createRequire(import.meta.url)

/** uPlot's browser build and stylesheet, read from node_modules (never copied into the repository). */
function uplotAssets(): { script: string; style: string } {
  return {
    script: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    style: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** JSON safe inside a <script> element: no `</script>` or `<!--` can end it early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c')
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 20px; color: #111827; }
table { border-collapse: collapse; margin: 8px 0 16px; }
th, td { border: 1px solid #d1d5db; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child, td.verdict { text-align: left; }
tr.fail td { background: #fef2f2; }
.pass { color: #15803d; font-weight: 600; } .fail { color: #b91c1c; font-weight: 600; }
section.run { border-top: 2px solid #e5e7eb; margin-top: 24px; padding-top: 8px; }
pre { background: #f9fafb; padding: 8px; overflow: auto; max-height: 320px; }
.events td { text-align: left; } .events td:last-child { max-width: 640px; overflow-wrap: anywhere; font-family: monospace; font-size: 12px; }
`

function summaryTable(files: readonly ScenarioFile[], ids: Map<ScenarioRow, string>): string {
  return files
    .map(({ file, rows }) => {
      const body = rows
        .map((row) => {
          const cells = rowCells(row).map(escapeHtml)
          cells[0] = `<a href="#${ids.get(row)}">${cells[0]}</a>`
          const cls = isFailedRow(row) ? 'fail' : 'pass'
          return `<tr class="${cls}">${cells.map((c, i) => `<td${i === 1 ? ' class="verdict"' : ''}>${c}</td>`).join('')}</tr>`
        })
        .join('\n')
      return `<h3>${escapeHtml(file)}</h3><table><tr>${HEADINGS.map((h) => `<th>${h}</th>`).join('')}</tr>\n${body}</table>`
    })
    .join('\n')
}

function eventRows(row: ScenarioRow): string {
  const detail = ({ at: _a, source: _s, type: _t, ...rest }: Record<string, unknown>) => JSON.stringify(rest)
  return row.events
    .map(
      (e) =>
        `<tr><td>${(Math.round(e.at) / 1000 || 0).toFixed(3)} s</td><td>${escapeHtml(e.source)}</td><td>${escapeHtml(e.type)}</td><td>${escapeHtml(detail(e))}</td></tr>`,
    )
    .join('\n')
}

function runSection(file: string, row: ScenarioRow, id: string): string {
  const cls = isFailedRow(row) ? 'fail' : 'pass'
  const why = [...row.reasons, ...row.errors].map((r) => `<li>${escapeHtml(r)}</li>`).join('')
  const periods = row.periods
    .map(
      (p) =>
        `<li>${escapeHtml(p.source)}: ${escapeHtml(p.label)} from ${(p.from / 1000).toFixed(2)} s to ${(p.to / 1000).toFixed(2)} s</li>`,
    )
    .join('')
  return `<section class="run" id="${id}">
<h2>${escapeHtml(row.scenario)} <span class="${cls}">${escapeHtml(rowCells(row)[1] ?? '')}</span></h2>
<p>${escapeHtml(file)} · ${escapeHtml(row.kind)} · ${escapeHtml(row.headline)} · ${(row.durationMs / 1000).toFixed(2)} s</p>
${why ? `<ul class="reasons">${why}</ul>` : ''}
<h3>Timeline</h3><div class="timeline"></div>
${periods ? `<p>Impairments on (shaded):</p><ul class="periods">${periods}</ul>` : ''}
${row.ackPercentiles.length > 1 ? '<h3>ACK latency by percentile</h3><div class="percentiles"></div>' : ''}
<h3>Events (${row.events.length})</h3>
<table class="events"><tr><th>at</th><th>source</th><th>type</th><th>details</th></tr>${eventRows(row)}</table>
<details><summary>Config</summary><pre>${escapeHtml(JSON.stringify(row.config, null, 2))}</pre></details>
</section>`
}

/** The whole page for the scenario files of one Vitest run. */
export function renderReportPage(files: readonly ScenarioFile[], generatedAt: Date): string {
  const ids = new Map<ScenarioRow, string>()
  const runs: unknown[] = []
  const sections: string[] = []
  for (const { file, rows } of files) {
    for (const row of rows) {
      const id = `run-${ids.size + 1}`
      ids.set(row, id)
      sections.push(runSection(file, row, id))
      runs.push({
        id,
        kind: row.kind,
        durationMs: row.durationMs,
        timeline: row.timeline,
        periods: row.periods,
        // Node and proxy events and the first failovers mark the chart; a storm of failovers
        // is in the failovers series already.
        marks: row.events.filter((e) => e.type !== 'failover').slice(0, 200),
        ackPercentiles: row.ackPercentiles,
      })
    }
  }
  const all = files.flatMap((f) => f.rows)
  const failed = all.filter(isFailedRow).length
  const { script, style } = uplotAssets()
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>quicksand report</title>
<style>${style}</style><style>${STYLE}</style></head>
<body>
<h1>quicksand report</h1>
<p class="summary">${all.length} run(s) in ${files.length} file(s): <span class="pass">${all.length - failed} passed</span>, <span class="fail">${failed} failed</span> · written ${escapeHtml(generatedAt.toISOString())}</p>
${summaryTable(files, ids)}
${sections.join('\n')}
<script type="application/json" id="quicksand-data">${scriptJson({ runs })}</script>
<script>${script}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`
}
