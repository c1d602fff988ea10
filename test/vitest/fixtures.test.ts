import { expect, test } from '../../src/vitest/index.js'

test("a proxy's impairment changes during a load are events of that load's report", async ({
  fabric,
  proxy,
  quicksand,
}) => {
  const node = await fabric.node({ transport: 'tcp' })
  const path = await proxy.tcp({ target: node })
  const load = fabric.load({
    targets: [path],
    streams: 40,
    concurrency: 2,
    bytesPerStream: 32 * 1024,
    payloadSize: 4096,
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
  expect(quicksand.events.between().map((e) => e.type)).toEqual(['impairment.set', 'impairment.clear'])
})

test('fixtures of one test do not share a bus with the next', ({ quicksand }) => {
  expect(quicksand.events.between()).toEqual([])
})
