import { useFabric } from 'quicksand/jest'

const fabric = useFabric()
let lastSetup

test('fabric.multipath() runs a round-robin load over two proxied paths', async () => {
  lastSetup = await fabric.multipath({ paths: 2, scheduler: 'round-robin' })
  const report = await fabric.load({
    targets: [lastSetup.target],
    streams: 6,
    workers: 1,
    bytesPerStream: 32 * 1024,
  })
  expect(report.successfulStreams).toBe(6)
  expect(lastSetup.node.stats().bytes).toBe(6 * 32 * 1024)
  expect(report).toUsePaths(2)
  expect(lastSetup.proxies.every((p) => p.stats().bytesFwd > 0)).toBe(true)
})

test('the multipath node and proxies are stopped after the test', () => {
  expect(lastSetup.node.running).toBe(false)
})
