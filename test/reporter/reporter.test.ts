import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { LoadReport } from '../../src/load/types.js'
import { readRunFile } from '../../src/reporter/run-file.js'

const CHROMIUM = '/usr/bin/chromium'
// Kept after the run (and ignored by git), so people can open the page and its screenshot.
const out = resolve('quicksand-report/reporter-test')
const scratch = mkdtempSync(join(tmpdir(), 'quicksand-reporter-'))
const summaryFile = join(scratch, 'step-summary.md')
let output = ''
let status: number | null = null

beforeAll(() => {
  rmSync(out, { recursive: true, force: true })
  const result = spawnSync(
    process.execPath,
    ['node_modules/vitest/vitest.mjs', 'run', '--config', 'fixtures/suites/reporter/vitest.config.ts'],
    {
      env: {
        ...process.env,
        QUICKSAND_REPORT_OUT: out,
        GITHUB_STEP_SUMMARY: summaryFile,
        NO_COLOR: '1',
        FORCE_COLOR: '0',
      },
      encoding: 'utf8',
      timeout: 120_000,
    },
  )
  output = result.stdout + result.stderr
  status = result.status
}, 150_000)

afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function pageData(html: string): {
  runs: Array<{ id: string; timeline: unknown[]; ackPercentiles: unknown[] }>
} {
  const match = /<script type="application\/json" id="quicksand-data">(.*?)<\/script>/s.exec(html)
  return JSON.parse(match?.[1] ?? 'null')
}

describe('quicksand/reporter on a failover suite', () => {
  test('prints one table per file, failed rows first, beside Vitest’s own reporter', () => {
    expect(status, output).toBe(1)
    expect(output).toMatch(/1 failed \| 1 passed/) // Vitest's default reporter still ran
    const table = output.slice(output.indexOf('quicksand scenarios'))
    const failed = table.indexOf('streams fail when failover is off')
    const passed = table.indexOf('streams reroute when a node dies behind a slow path')
    expect(failed, table).toBeGreaterThan(0)
    expect(passed).toBeGreaterThan(failed)
    expect(table).toMatch(
      /scenario\s+verdict\s+Mbps\s+ack p50\s+ack p95\s+ack p99\s+setup p95\s+failovers\s+leaks\s+time/,
    )
    expect(table).toMatch(/failed_streams=40/)
    expect(table).toContain(`quicksand report: ${join(out, 'index.html')}`)
  })

  test('writes one run file per load with the full report and the proxy events before it', () => {
    const files = readdirSync(join(out, 'runs')).map((f) => readRunFile(join(out, 'runs', f)))
    expect(files).toHaveLength(2)
    expect(files.every((f) => f.kind === 'load')).toBe(true)
    const found = files.find((f) => f.test.name.startsWith('streams reroute'))!
    const reroute = { ...found, report: found.report as LoadReport }
    expect(reroute.report.successfulStreams).toBe(120)
    expect(reroute.report.bytesSent).toBe(120 * 32 * 1024)
    expect(reroute.report.timeline.reduce((n, s) => n + (s.bytes ?? 0), 0)).toBe(120 * 32 * 1024)
    expect(reroute.earlierEvents.map((e) => e.type)).toEqual(['impairment.set'])
    expect(reroute.earlierEvents[0]!.at).toBeLessThan(0)
    expect(reroute.report.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['node.kill', 'failover']),
    )
    const off = files.find((f) => f.test.name.startsWith('streams fail'))!.report as LoadReport
    expect(off.failedStreams).toBe(40)
    expect(off.ackPercentiles!.at(-1)![0]).toBe(100)
  })

  test('appends the table to GITHUB_STEP_SUMMARY as Markdown', () => {
    const markdown = readFileSync(summaryFile, 'utf8')
    expect(markdown).toContain(
      '| scenario | verdict | Mbps | ack p50 | ack p95 | ack p99 | setup p95 | failovers | leaks | time |',
    )
    const rows = markdown.split('\n').filter((line) => line.startsWith('| streams'))
    expect(rows).toHaveLength(2)
    expect(rows[0]).toMatch(
      /^\| streams fail when failover is off \| FAIL: failed\\_streams=40; expect\(received\)\.toPassVerdict\(\) \|/,
    )
    expect(rows[1]).toMatch(/^\| streams reroute when a node dies behind a slow path \| PASS \| /)
  })

  test('writes one self-contained page holding every run’s data', () => {
    const html = readFileSync(join(out, 'index.html'), 'utf8')
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/[^"'\s]*\.(js|css)/)
    expect(html).toContain('uPlot')
    const data = pageData(html)
    expect(data.runs).toHaveLength(2)
    for (const run of data.runs) {
      expect(run.timeline.length).toBeGreaterThan(0)
      expect(run.ackPercentiles.length).toBeGreaterThan(1)
    }
    expect(html).toMatch(/proxy tcp:\/\/127\.0\.0\.1:\d+: latency from 0\.00 s/)
  })

  test('renders in headless Chromium: charts with their data points, events listed, no console output', (context) => {
    if (!existsSync(CHROMIUM))
      context.skip(`${CHROMIUM} is not installed (.ci/run installs Debian's chromium)`)
    const page = `file://${join(out, 'index.html')}`
    const profile = join(scratch, 'chromium-profile')
    const chromium = (...args: string[]) =>
      spawnSync(
        CHROMIUM,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          `--user-data-dir=${profile}`,
          '--enable-logging=stderr',
          '--v=0',
          ...args,
          page,
        ],
        { encoding: 'utf8', timeout: 60_000 },
      )
    const dom = chromium('--dump-dom')
    expect(dom.status, dom.stderr).toBe(0)
    // Chromium logs every console message of the page as CONSOLE; the page logs none when it works.
    expect(dom.stderr.split('\n').filter((line) => line.includes(':CONSOLE'))).toEqual([])
    expect(dom.stdout).toContain('data-rendered="2"')
    const data = pageData(readFileSync(join(out, 'index.html'), 'utf8'))
    for (const run of data.runs) {
      const section = dom.stdout.slice(dom.stdout.indexOf(`id="${run.id}"`))
      expect(section).toContain(`class="timeline" data-points="${run.timeline.length}"`)
      expect(section).toMatch(/class="percentiles" data-points="\d+"/)
      expect(section).toMatch(/<canvas/)
    }
    expect(dom.stdout).toMatch(/<td>node\.kill<\/td>/)
    expect(dom.stdout).toMatch(/<td>impairment\.add<\/td>/)
    const screenshot = join(out, 'screenshot.png')
    const shot = chromium('--hide-scrollbars', '--window-size=1200,2400', `--screenshot=${screenshot}`)
    expect(shot.status, shot.stderr).toBe(0)
    expect(statSync(screenshot).size).toBeGreaterThan(20_000)
  }, 120_000)
})
