import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { createFabricFixture } from '../../src/fabric/fixture.js'
import { QuicksandReporter } from '../../src/reporter/index.js'
import { PROGRESS_DIR_KEY, ProgressTicker, ProgressWriter } from '../../src/reporter/progress.js'
import { ProgressLine } from '../../src/run/progress-line.js'
import type { RunProgress } from '../../src/run/runner.js'

const scratch = mkdtempSync(join(tmpdir(), 'quicksand-progress-'))
const CHROMIUM = '/usr/bin/chromium'
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** Run the long-runs suite; on a terminal (through script(1)'s pseudo-terminal) when asked. */
function runSuite(terminal: boolean, out = mkdtempSync(join(scratch, 'report-'))): string {
  const vitest = `${process.execPath} node_modules/vitest/vitest.mjs run --config fixtures/suites/progress/vitest.config.ts`
  const env = { ...process.env, QUICKSAND_REPORT_OUT: out, NO_COLOR: '1', CI: '' }
  const result = terminal
    ? spawnSync('script', ['-qefc', vitest, '/dev/null'], { env, encoding: 'utf8', timeout: 90_000 })
    : spawnSync('/bin/sh', ['-c', vitest], { env, encoding: 'utf8', timeout: 90_000 })
  const output = result.stdout + result.stderr
  expect(result.status, output).toBe(0)
  return output
}

describe('progress of long runs', () => {
  test('on a terminal: a line at most once a second while a soak and a traffic run go', () => {
    const output = runSuite(true)
    const lines = output.split(/\r?\n/).filter((line) => line.includes('quicksand ▸'))
    const soak = lines.filter((line) => line.includes('a three-second soak: load '))
    const traffic = lines.filter((line) => line.includes('three seconds of echo traffic: traffic '))
    // A 3 s soak and a 2.5 s traffic run: a line a second each, never more.
    expect(soak.length, output).toBeGreaterThanOrEqual(2)
    expect(soak.length).toBeLessThanOrEqual(4)
    expect(traffic.length, output).toBeGreaterThanOrEqual(1)
    expect(traffic.length).toBeLessThanOrEqual(4)
    expect(soak.at(-1)).toMatch(/load [\d,]+ streams, [\d,]+ streams\/s, \d\.\d s of 3\.0 s/)
    expect(traffic.at(-1)).toMatch(/traffic [\d,]+ packets, [\d,]+ packets\/s, \d\.\d s of 2\.5 s/)
  }, 120_000)

  test('not on a terminal: no progress lines; the traffic run and the pipeline are in the table and the page', () => {
    const out = mkdtempSync(join(scratch, 'report-'))
    const output = runSuite(false, out)
    expect(output).toMatch(/3 passed/)
    expect(output).not.toContain('quicksand ▸')
    // One row per run of every kind: a load, a traffic run (echo RTT in the ack columns) and a pipeline.
    const table = output.slice(output.indexOf('quicksand scenarios'))
    expect(table).toMatch(/a three-second soak\s+PASS\s+[\d.]+\s+[\d.]+/)
    expect(table).toMatch(
      /three seconds of echo traffic\s+PASS\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+-\s+-\s+-/,
    )
    expect(table).toMatch(/a short pipeline\s+PASS\s+[\d.]+\s+-\s+-\s+-\s+-\s+-\s+-/)
    const html = readFileSync(join(out, 'index.html'), 'utf8')
    const match = /<script type="application\/json" id="quicksand-data">(.*?)<\/script>/s.exec(html)
    const runs = (
      JSON.parse(match?.[1] ?? 'null') as {
        runs: Array<{ id: string; kind: string; timeline: Array<Record<string, number>> }>
      }
    ).runs
    expect(runs.map((r) => r.kind).sort()).toEqual(['load', 'pipeline', 'traffic'])
    const traffic = runs.find((r) => r.kind === 'traffic')!
    expect(traffic.timeline.reduce((n, s) => n + (s.received ?? 0), 0)).toBeGreaterThan(0)
    const pipeline = runs.find((r) => r.kind === 'pipeline')!
    expect(pipeline.timeline.reduce((n, s) => n + (s['sink.delivered'] ?? 0), 0)).toBe(3000)
    expect(html).toContain('2 hop(s) · generated 3000, delivered 3000, unexplained 0')
    if (!existsSync(CHROMIUM)) return
    // Drawn as a person sees it: every run's chart has its points, and the page logs nothing.
    const dom = spawnSync(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        `--user-data-dir=${join(out, 'profile')}`,
        '--enable-logging=stderr',
        '--v=0',
        '--dump-dom',
        `file://${join(out, 'index.html')}`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    )
    expect(dom.status, dom.stderr).toBe(0)
    expect(dom.stderr.split('\n').filter((line) => line.includes(':CONSOLE'))).toEqual([])
    expect(dom.stdout).toContain('data-rendered="3"')
    for (const run of runs) {
      const section = dom.stdout.slice(dom.stdout.indexOf(`id="${run.id}"`))
      expect(section).toContain(`class="timeline" data-points="${run.timeline.length}"`)
    }
  }, 150_000)

  test('a load through the fabric fixture: counts up to its streams, with a rate, written at most once a second', async () => {
    const updates: RunProgress[] = []
    const fabric = createFabricFixture({ onProgress: (p) => updates.push(p) })
    try {
      const node = await fabric.node({ transport: 'tcp' })
      const report = await fabric.load({
        targets: [node],
        streams: 60,
        concurrency: 4,
        bytesPerStream: 64 * 1024,
      })
      expect(report.successfulStreams).toBe(60)
    } finally {
      await fabric.closeAll()
    }
    expect(updates.length).toBeGreaterThan(0)
    expect(updates.every((u) => u.workload === 'load' && u.measure?.unit === 'streams')).toBe(true)
    expect(updates.at(-1)!.done).toBe(60)
    expect(updates.at(-1)!.measure!.total).toBe(60)
    const lines = new ProgressLine()
    expect(lines.format({ ...updates.at(-1)!, elapsedMs: 2000 })).toMatch(
      /^load 60\/60 streams, 30 streams\/s, 2\.0 s$/,
    )

    const dir = join(scratch, 'writer')
    const writer = new ProgressWriter(dir, 'abc_1', 'a load')
    for (const update of updates) writer.update(update)
    // However many updates came, the first alone was written: a second had not passed.
    const printed: string[] = []
    const ticker = new ProgressTicker(dir, (line) => printed.push(line))
    ticker.tick()
    expect(printed).toHaveLength(1)
    expect(printed[0]).toMatch(/^quicksand ▸ a load: load \d+\/60 streams/)
    ticker.tick()
    expect(printed).toHaveLength(1) // nothing changed, nothing printed
    writer.close()
    expect(readdirSync(dir)).toEqual([])
    ticker.tick()
    expect(printed).toHaveLength(1)
  })

  test('the reporter hands out a progress folder only when asked or on a terminal', () => {
    const provided = (progress: boolean | undefined) => {
      const keys: Record<string, string> = {}
      const reporter = new QuicksandReporter({
        outputDir: join(scratch, `r-${progress}`),
        ...(progress === undefined ? {} : { progress }),
      })
      reporter.onInit({
        config: { root: scratch },
        provide: ((key: string, value: string) => {
          keys[key] = value
        }) as never,
        logger: { log: () => undefined },
      })
      reporter.onTestRunEnd([])
      return keys[PROGRESS_DIR_KEY]
    }
    expect(provided(false)).toBeUndefined()
    expect(provided(true)).toBe(join(scratch, 'r-true', 'progress'))
    expect(existsSync(join(scratch, 'r-true', 'progress'))).toBe(true)
    // Vitest's own workers have no terminal: the default is off here.
    expect(provided(undefined)).toBeUndefined()
  })
})
