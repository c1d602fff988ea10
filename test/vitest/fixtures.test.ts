import { expect, test } from '../../src/vitest/index.js'

test("a proxy's impairment changes during a load are events of that load's report", async ({
  fabric,
  proxy,
  quicksand,
}) => {
  const [node] = await fabric.nodes(1, { transport: 'tcp' })
  const path = await proxy.tcp({ target: node })
  // A soak of 600 ms, so both changes fall inside the run whatever the machine's speed.
  const load = fabric.load({
    targets: [path],
    soak: true,
    duration: '600ms',
    concurrency: 2,
    bytesPerStream: 8192,
  })
  setTimeout(() => path.set([{ kind: 'latency', ms: 5 }]), 100)
  setTimeout(() => path.clear(), 250)
  const report = await load
  expect(report).toPassVerdict()
  const changes = report.events.filter((e) => e.source === `proxy ${path.url}`).map((e) => e.type)
  expect(changes).toEqual(['impairment.set', 'impairment.clear'])
  const set = report.events.find((e) => e.type === 'impairment.set')!
  expect(set.impairments).toMatchObject([{ kind: 'latency', ms: 5 }])
  expect(set.at).toBeGreaterThan(50)
  expect(set.at).toBeLessThan(report.events.find((e) => e.type === 'impairment.clear')!.at)
  // The test's own bus saw them too, and nothing from other tests.
  expect(quicksand.events.between().map((e) => e.type)).toEqual([
    'node.start',
    'impairment.set',
    'impairment.clear',
  ])
  expect(Date.parse(report.finishedAt) - Date.parse(report.startedAt)).toBeGreaterThanOrEqual(600)
})

test('fixtures of one test do not share a bus with the next', ({ quicksand }) => {
  expect(quicksand.events.between()).toEqual([])
})

test('a node killed mid-run is an event of the report, before the failovers it caused', async ({
  fabric,
}) => {
  const [a, b] = await fabric.nodes(2, { transport: 'tcp' })
  const report = await fabric.load({
    targets: [a, b],
    streams: 60,
    concurrency: 4,
    bytesPerStream: 512 * 1024, // long enough that the kill lands mid-run
    payloadSize: 4096,
    failTarget: 1,
    failAfter: '50ms',
  })
  expect(report.successfulStreams).toBe(60)
  const kill = report.events.find((e) => e.type === 'node.kill')
  expect(kill).toMatchObject({ source: `node ${b.url}` })
  const failovers = report.events.filter((e) => e.type === 'failover')
  expect(failovers.length).toBe(report.failoverEvents)
  expect(failovers.length).toBeGreaterThan(0)
  expect(failovers.every((e) => e.at >= kill!.at)).toBe(true)
})

test('a load through a proxy refuses a payloadSize larger than the node behind it takes, before it starts', async ({
  fabric,
  proxy,
}) => {
  const node = await fabric.node({ transport: 'tcp', maxPayload: 4096 })
  const path = await proxy.tcp({ target: node })
  expect(path.maxPayload).toBe(4096)
  await expect(fabric.load({ targets: [path], streams: 2, payloadSize: 8192 })).rejects.toThrow(
    `payloadSize must be at most 4096, the largest payload targets[0] (${path.url}) accepts (its maxPayload), got 8192`,
  )
  expect(path.stats().connAccepted).toBe(0)
  expect(node.stats().connections).toBe(0)
})
