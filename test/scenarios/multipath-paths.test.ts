// Multipath as a scenario subject: paths cut, slowed, flapped and restored under a fabric load,
// with every byte checked by the node and the stall read from the sender's ACK gaps.
import { expect, test } from '../../src/vitest/index.js'
import { until } from '../helpers/wait.js'

/** The proxy that has forwarded the most bytes so far: the path the scheduler is using. */
const busiest = <P extends { stats(): { bytesFwd: number } }>(proxies: P[]): P =>
  proxies.reduce((a, b) => (b.stats().bytesFwd > a.stats().bytesFwd ? b : a))

test('an outage on the active path mid-stream loses no byte and stalls briefly', async ({ fabric }) => {
  const rttMs = 10
  const latency = [{ kind: 'latency' as const, ms: rttMs / 2, direction: 'both' as const }]
  const { node, proxies, target } = await fabric.multipath({ paths: 2, impair: [latency, latency] })
  const run = fabric.load({
    targets: [target],
    streams: 40,
    concurrency: 4,
    workers: 1,
    bytesPerStream: 256 * 1024,
  })
  // Cut whichever path carries the stream once it is under way.
  await until(() => proxies.some((p) => p.stats().bytesFwd > 512 * 1024), 10_000)
  busiest(proxies).add({ kind: 'outage', mode: 'refuse', cutExisting: true })
  const report = await run
  expect(report.successfulStreams).toBe(40)
  expect(node.stats().bytes).toBe(40 * 256 * 1024)
  expect(node.stats().contentErrors).toBe(0)
  // The stall the reference's timers allow is 2 x RTT + 100 ms (120 ms here); `npm run bench --
  // multipath` holds it to that (stallAfterCutMs). On a loaded machine the event loop alone can
  // add hundreds of ms, so the test bounds it where only a wait for failure detection and redial
  // (over 1 s) would land.
  expect(report).toSurvivePathLoss({ maxStallMs: 1000 })
})

test('lowest-rtt keeps to the fast path; redundant gets the fast path latency', async ({ fabric }) => {
  const fast = [{ kind: 'latency' as const, ms: 5, direction: 'both' as const }]
  const slow = [{ kind: 'latency' as const, ms: 75, direction: 'both' as const }]
  const lowest = await fabric.multipath({ paths: 2, impair: [slow, fast] })
  const report = await fabric.load({
    targets: [lowest.target],
    streams: 10,
    concurrency: 2,
    workers: 1,
    bytesPerStream: 32 * 1024,
  })
  expect(report.successfulStreams).toBe(10)
  expect(report).toUsePaths(1)
  const [stats] = Object.values(report.transportSnapshot.multipath ?? {})
  const [slowPath, fastPath] = stats![0]!.paths
  expect(fastPath!.framesSent - fastPath!.retransmitted).toBeGreaterThan(0)
  expect(slowPath!.framesSent - slowPath!.retransmitted).toBe(0)

  const both = await fabric.multipath({ paths: 2, scheduler: 'redundant', impair: [slow, fast] })
  const redundant = await fabric.load({
    targets: [both.target],
    streams: 10,
    concurrency: 2,
    workers: 1,
    bytesPerStream: 32 * 1024,
  })
  expect(redundant.successfulStreams).toBe(10)
  expect(redundant).toUsePaths(2)
  // Every ACK over the slow path alone takes at least its 150 ms round trip; the median ACK came sooner.
  expect(redundant.ackP50Ms).toBeLessThan(150)
})

test('a path flapping 10 times under a round-robin load', async ({ fabric }) => {
  const { node, proxies, target } = await fabric.multipath({ paths: 2, scheduler: 'round-robin' })
  const flap = proxies[0]!.flap({ up: 250, down: 50, cycles: 10, mode: 'refuse', cutExisting: true })
  const report = await fabric.load({
    targets: [target],
    soak: true,
    duration: 3200,
    concurrency: 4,
    workers: 1,
    bytesPerStream: 64 * 1024,
  })
  await flap.done
  expect(report.failedStreams).toBe(0)
  expect(report.successfulStreams).toBeGreaterThan(0)
  expect(node.stats().bytes).toBe(report.successfulStreams * 64 * 1024)
  expect(node.stats().contentErrors).toBe(0)
  const [stats] = Object.values(report.transportSnapshot.multipath ?? {})
  const flapped = stats![0]!.paths[0]!
  expect(flapped.failures).toBeGreaterThanOrEqual(5)
  expect(flapped.redials).toBeGreaterThanOrEqual(5)
  expect(report).toUsePaths(2)
})

test('both paths down, then one back: the stream resumes', async ({ fabric }) => {
  const { node, proxies, target } = await fabric.multipath({ paths: 2 })
  const run = fabric.load({
    targets: [target],
    streams: 30,
    concurrency: 2,
    workers: 1,
    bytesPerStream: 256 * 1024,
  })
  await until(() => proxies.some((p) => p.stats().bytesFwd > 256 * 1024), 10_000)
  const cuts = proxies.map((p) => p.add({ kind: 'outage', mode: 'refuse', cutExisting: true }))
  // Down until the client has noticed on both paths, then only the second comes back.
  await until(
    () => node.stats().transport.cidEntries === 1 && proxies.every((p) => p.stats().activeConn === 0),
    5000,
  )
  proxies[1]!.remove(cuts[1]!)
  const report = await run
  expect(report.successfulStreams).toBe(30)
  expect(node.stats().bytes).toBe(30 * 256 * 1024)
  const [stats] = Object.values(report.transportSnapshot.multipath ?? {})
  const [first, second] = stats![0]!.paths
  expect(first!.failures).toBeGreaterThanOrEqual(1)
  expect(second!.failures).toBeGreaterThanOrEqual(1)
  expect(second!.redials).toBeGreaterThanOrEqual(1)
  expect(first!.state).toBe('down')
})
