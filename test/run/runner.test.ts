import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, describe, expect, test } from 'vitest'
import { RunError } from '../../src/errors/kinds.js'
import { createFabricFixture } from '../../src/fabric/fixture.js'
import { EventBus } from '../../src/run/events.js'
import { runWorkload } from '../../src/run/runner.js'
import type { Workload } from '../../src/run/workload.js'
import { until } from '../helpers/wait.js'

interface ProbeTask {
  rounds: number
  fail?: string
}
interface ProbePartial {
  marker: string
  rounds: number
  /** Epoch ms at which the worker side began running. */
  began: number
}

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A workload whose worker side is a TypeScript file written by the test, with a fresh marker. */
function probeWorkload(
  marker: string,
  duringStarts: number[] = [],
  loadDelayMs = 0,
): Workload<
  ProbeTask,
  ProbeTask,
  ProbeTask,
  ProbePartial,
  { markers: string[]; rounds: number; began: number[] }
> {
  const dir = mkdtempSync(join(process.cwd(), 'test', 'run', '.probe-'))
  dirs.push(dir)
  // Type annotations make this TypeScript: only a worker that runs sources can load it.
  writeFileSync(
    join(dir, 'worker.ts'),
    `const marker: string = ${JSON.stringify(marker)}
// A slow module load stands in for a slow thread start-up.
await new Promise((resolve) => setTimeout(resolve, ${loadDelayMs}))
export default {
  async run(task: { rounds: number; fail?: string }, signal: AbortSignal, recorder: any): Promise<{ marker: string; rounds: number; began: number }> {
    const began = performance.timeOrigin + performance.now()
    if (task.fail) throw Object.assign(new Error('probe failed on purpose'), { code: task.fail })
    let rounds = 0
    for (; rounds < task.rounds && !signal.aborted; rounds++) {
      recorder.count('ticks', 2)
      recorder.latency('wait', 1 + rounds)
      if (rounds === 0) recorder.event('probe.first', { marker })
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    return { marker, rounds, began }
  },
}
`,
  )
  return {
    name: 'probe',
    worker: pathToFileURL(join(dir, 'worker.js')),
    validate: (config) => config,
    plan: (config) => [config, config],
    deadlineMs: () => 20_000,
    during: () => {
      duringStarts.push(performance.timeOrigin + performance.now())
      return () => undefined
    },
    merge: (_config, partials) => ({
      markers: partials.map((p) => p.marker),
      rounds: partials.reduce((n, p) => n + p.rounds, 0),
      began: partials.map((p) => p.began),
    }),
    verdict: (input) => ({
      verdict: input.rounds > 0 ? 'pass' : 'fail',
      verdictReasons: input.rounds > 0 ? [] : ['no_rounds'],
    }),
  }
}

describe('the runner', () => {
  test('runs the worker from the sources under test, with samples and events streamed back', async () => {
    const marker = `m-${Math.random().toString(36).slice(2)}`
    const events = new EventBus()
    const seen: number[] = []
    const report = await runWorkload(
      probeWorkload(marker),
      { rounds: 12 },
      { events, sampleIntervalMs: 50, onProgress: (p) => void seen.push(p.totals.ticks ?? 0) },
    )
    // Progress comes from the same samples: it only grows, and ends at the run's total.
    expect(seen.length).toBeGreaterThan(1)
    expect(seen.every((n, i) => i === 0 || n >= seen[i - 1]!)).toBe(true)
    expect(seen.at(-1)).toBe(48)
    expect(report.markers).toEqual([marker, marker])
    expect(report.rounds).toBe(24)
    expect(report.verdict).toBe('pass')
    // Every count made in the workers lands in exactly one interval of the timeline.
    const ticks = report.timeline.reduce((n, s) => n + (s.ticks ?? 0), 0)
    expect(ticks).toBe(48)
    expect(report.timeline.length).toBeGreaterThan(1)
    expect(report.timeline.every((s) => s.ms === 50 && s.at % 50 === 0)).toBe(true)
    const waits = report.timeline.reduce((n, s) => n + (s.waitCount ?? 0), 0)
    expect(waits).toBe(24)
    const first = report.events.filter((e) => e.type === 'probe.first')
    expect(first).toHaveLength(2)
    expect(first[0]).toMatchObject({ source: 'probe', marker })
    expect(first[0]!.at).toBeGreaterThanOrEqual(0)
    expect(JSON.parse(JSON.stringify(report))).toEqual(report)
  })

  test("a workload's actions during the run start once every worker is ready", async () => {
    const duringStarts: number[] = []
    const started = performance.timeOrigin + performance.now()
    const report = await runWorkload(probeWorkload('x', duringStarts, 400), { rounds: 3 })
    // during() ran once, only after both workers had spent 400 ms loading the workload, so a
    // failAfter counts from when the load sends, not from thread start-up. Both times are taken
    // on this thread: worker clocks may differ from it by a fraction of a millisecond.
    expect(report.rounds).toBe(6)
    expect(duringStarts).toHaveLength(1)
    expect(duringStarts[0]! - started).toBeGreaterThanOrEqual(400)
  })

  test("a worker's failure rejects the run with its classified kind", async () => {
    const run = runWorkload(probeWorkload('x'), { rounds: 1, fail: 'ECONNREFUSED' })
    await expect(run).rejects.toThrow(RunError)
    await expect(runWorkload(probeWorkload('x'), { rounds: 1, fail: 'ECONNREFUSED' })).rejects.toMatchObject({
      kind: 'connect_refused',
      message: 'probe worker 0 failed: probe failed on purpose',
    })
  })

  test('an abort rejects with kind aborted and says why', async () => {
    const controller = new AbortController()
    const run = runWorkload(probeWorkload('x'), { rounds: 500 }, { signal: controller.signal })
    setTimeout(() => controller.abort(new RunError('aborted', 'the test ended while it ran')), 200)
    await expect(run).rejects.toMatchObject({
      kind: 'aborted',
      message: 'probe aborted: the test ended while it ran',
    })
  })

  test('a bad sample interval is refused before anything starts', async () => {
    await expect(runWorkload(probeWorkload('x'), { rounds: 1 }, { sampleIntervalMs: 5 })).rejects.toThrow(
      'sampleIntervalMs must be an integer from 10 to 60000 (ms), got 5',
    )
  })

  test("a load cut off by its test's end says so instead of tinypool's words", async () => {
    const fabric = createFabricFixture()
    const node = await fabric.node({ transport: 'tcp' })
    const load = fabric.load({ targets: [node], soak: true, duration: '20s', streams: 1, concurrency: 2 })
    // Cut it off once bytes flow, as a test timeout would.
    expect(await until(() => node.stats().bytes > 0, 10_000)).toBe(true)
    await fabric.closeAll()
    await expect(load).rejects.toMatchObject({
      kind: 'aborted',
      message: 'load aborted: the test ended while it ran',
    })
  })
})
