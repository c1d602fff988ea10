import { expect, test } from 'quicksand/vitest'

test('streams survive losing a node mid-run', async ({ fabric }) => {
  const nodes = await fabric.nodes(3, { transport: 'tcp' })
  // A tuple: nodes[2] is a FabricNode even under noUncheckedIndexedAccess.
  expect(nodes[2].url).toBe(`tcp://127.0.0.1:${nodes[2].port}`)
  const report = await fabric.load({
    targets: nodes,
    streams: 60,
    concurrency: 6,
    bytesPerStream: 64 * 1024,
    poolFailover: true,
    failTarget: 1,
    failAfter: '30ms',
  })
  expect(report.successfulStreams).toBe(60)
  expect(report).toPassVerdict()
  expect(report).toHaveNoChannelLeaks()
  expect(report).toStayUnderAckP95(5000)
})
