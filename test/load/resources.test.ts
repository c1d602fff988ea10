import net from 'node:net'
import { describe, test as unit } from 'vitest'
import {
  floorSlopePerMinute,
  type ResourceSample,
  slopePerMinute,
  summarizeResources,
} from '../../src/load/resources.js'
import { expect as fixtureExpect, test } from '../../src/vitest/index.js'
import { startTcpServer } from '../helpers/tcp.js'

function sample(thread: string, elapsedMs: number, activeResources: number, heapMb: number, openFds: number) {
  return {
    thread,
    observedAt: new Date(elapsedMs).toISOString(),
    elapsedMs,
    activeResources,
    heapUsedBytes: heapMb * 1048576,
    heapAfterGcBytes: heapMb * 1048576,
    heapTotalBytes: 0,
    arrayBuffersBytes: 0,
    openFds,
    gcCount: elapsedMs / 1000,
    eventLoopDelayP99Ms: 1,
    activeStreams: 2,
    activeRoutes: 1,
  } satisfies ResourceSample
}

describe('resource summary', () => {
  unit(
    'sums threads: start, end, max and delta; fds from the main thread; slopes per minute for a soak',
    () => {
      const samples = [
        sample('main', 0, 10, 20, 30),
        sample('main', 30_000, 14, 21, 35),
        sample('main', 60_000, 12, 22, 31),
        sample('worker 0', 0, 5, 8, -1),
        sample('worker 0', 60_000, 7, 9, -1),
      ]
      const summary = summarizeResources(samples, true)
      fixtureExpect(summary).toMatchObject({
        sampleCount: 5,
        threads: 2,
        activeResourcesStart: 15,
        activeResourcesEnd: 19,
        activeResourcesMax: 21,
        activeResourcesDelta: 4,
        heapUsedDeltaBytes: 3 * 1048576,
        openFdsStart: 30,
        openFdsEnd: 31,
        openFdsMax: 35,
        openFdsDelta: 1,
        gcCountDelta: 120,
        activeStreamsMax: 4,
      })
      // main grows 2 MiB a minute and the worker 1 MiB: 3 MiB a minute in all.
      fixtureExpect(summary.slopesPerMinute?.heapUsedMb).toBe(3)
      fixtureExpect(slopePerMinute(samples.slice(0, 1), (s) => s.activeResources)).toBe(0)
      fixtureExpect(summarizeResources(samples, false).slopesPerMinute).toBeUndefined()
    },
  )
})

describe('soak slopes', () => {
  // A heap that climbs 6 MiB within each 10 s collection cycle and drops back, over 2 minutes.
  const sawtooth = (leakMbPerMin: number) =>
    Array.from({ length: 120 }, (_, second) =>
      sample('worker 0', second * 1000, 5, 10 + (second % 10) * 0.6 + (leakMbPerMin * second) / 60, 0),
    )

  unit('a sawtooth with a flat floor is not a leak; a rising floor is, at its rate', () => {
    const heap = (s: ResourceSample) => s.heapUsedBytes / 1048576
    fixtureExpect(Math.abs(floorSlopePerMinute(sawtooth(0), heap))).toBeLessThan(0.2)
    fixtureExpect(floorSlopePerMinute(sawtooth(3), heap)).toBeCloseTo(3, 0)
    // The summary leaves out the first and last sample and its windows do not line up with the
    // 10 s cycle, so it reads the rate within a fifth or so.
    const summarised = summarizeResources(sawtooth(3), true).slopesPerMinute!.heapUsedMb
    fixtureExpect(summarised).toBeGreaterThan(2.4)
    fixtureExpect(summarised).toBeLessThan(3.8)
    // Few samples: every one is its own window, the plain fit.
    const line = sawtooth(0).slice(0, 5)
    fixtureExpect(floorSlopePerMinute(line, heap)).toBe(slopePerMinute(line, heap))
  })
})

test('a bounded soak samples every thread and holds its resource limits', async ({ fabric }) => {
  const nodes = await fabric.nodes(2, { transport: 'tcp' })
  const report = await fabric.load({
    targets: nodes,
    soak: true,
    duration: '1500ms',
    concurrency: 4,
    workers: 2,
    bytesPerStream: 16 * 1024,
    resourceSampleInterval: '250ms',
    maxActiveResourceDelta: 20,
    maxOpenFdDelta: 20,
    maxHeapDeltaMb: 200,
  })
  fixtureExpect(report.verdictReasons).toEqual([])
  const threads = new Set(report.resourceSamples.map((s) => s.thread))
  fixtureExpect([...threads].sort()).toEqual(['main', 'worker 0', 'worker 1'])
  // At least start, end and a few interval samples per thread over 1.5 s.
  fixtureExpect(report.resourceSamples.filter((s) => s.thread === 'main').length).toBeGreaterThanOrEqual(4)
  fixtureExpect(report.resourceSummary.threads).toBe(3)
  fixtureExpect(report.resourceSummary.activeStreamsMax).toBeGreaterThan(0)
  fixtureExpect(report.resourceSummary.slopesPerMinute).toBeDefined()
  fixtureExpect(report).toStayWithinResources({ activeResourceDelta: 20, openFdDelta: 20 })
})

test('sockets the test leaks during a run fail the resource rules', async ({ fabric }) => {
  const [node] = await fabric.nodes(1, { transport: 'tcp' })
  const sink = await startTcpServer(() => undefined)
  const leaked: net.Socket[] = []
  let flowing: NodeJS.Timeout | undefined
  try {
    const run = fabric.load({
      targets: [node!],
      soak: true,
      duration: '800ms',
      concurrency: 2,
      bytesPerStream: 8192,
      resourceSampleInterval: '200ms',
      maxActiveResourceDelta: 20,
      maxOpenFdDelta: 20,
    })
    // The deliberate leak: 30 connections opened mid-run (once streams flow, so after the run's
    // first resource sample) and kept past its end.
    flowing = setInterval(() => {
      if (node!.stats().channelsOpened === 0) return
      clearInterval(flowing)
      for (let i = 0; i < 30; i++) {
        const socket = net.connect(sink.port, '127.0.0.1')
        // Held idle, never read: a reset from the sink at its close is not this test's subject.
        socket.on('error', () => undefined)
        leaked.push(socket)
      }
    }, 5)
    const report = await run
    clearInterval(flowing)
    const names = report.verdictReasons.map((r) => r.split('=')[0])
    fixtureExpect(leaked).toHaveLength(30)
    fixtureExpect(names).toContain('active_resource_delta')
    fixtureExpect(report.resourceSummary.activeResourcesDelta).toBeGreaterThanOrEqual(30)
    if (report.resourceSummary.openFdsStart >= 0) fixtureExpect(names).toContain('open_fd_delta')
    fixtureExpect(report).not.toStayWithinResources({ activeResourceDelta: 20 })
  } finally {
    clearInterval(flowing)
    for (const socket of leaked) socket.destroy()
    await sink.close()
  }
})

test('heap_alloc_delta_bytes and open_fds_max judge real runs: over their limits they fire, under them not', async ({
  fabric,
}) => {
  const [node] = await fabric.nodes(1, { transport: 'tcp' })
  const load = {
    targets: [node!],
    soak: true,
    duration: '800ms',
    concurrency: 2,
    bytesPerStream: 8192,
    resourceSampleInterval: '100ms',
  }
  // The deliberate leak: about 30 MB of objects made once streams flow and kept past the run.
  const retained: Array<{ index: number; label: string }> = []
  const flowing = setInterval(() => {
    if (node!.stats().channelsOpened === 0 || retained.length > 0) return
    clearInterval(flowing)
    for (let i = 0; i < 400_000; i++) retained.push({ index: i, label: `leaked object ${i}` })
  }, 5)
  try {
    const over = await fabric.load({ ...load, maxHeapDeltaMb: 8, maxOpenFds: 3 })
    fixtureExpect(retained).toHaveLength(400_000)
    fixtureExpect(over.resourceSummary.heapUsedDeltaBytes).toBeGreaterThan(8 * 1024 * 1024)
    fixtureExpect(over.verdictReasons).toContain(
      `heap_alloc_delta_bytes=${over.resourceSummary.heapUsedDeltaBytes} > ${8 * 1024 * 1024}`,
    )
    // Where /proc/self/fd exists (Linux), the process holds more than 3 descriptors (stdio alone).
    if (over.resourceSummary.openFdsMax >= 0) {
      fixtureExpect(over.verdictReasons).toContain(`open_fds_max=${over.resourceSummary.openFdsMax} > 3`)
    }
  } finally {
    clearInterval(flowing)
  }
  const under = await fabric.load({ ...load, maxHeapDeltaMb: 512, maxOpenFds: 100_000 })
  fixtureExpect(under.verdictReasons).toEqual([])
  retained.length = 0
})
