import { useFabric } from 'quicksand/jest'

const fabric = useFabric()

test('a load passes its verdict under Jest', async () => {
  const nodes = await fabric.nodes(2, { transport: 'tcp' })
  const report = await fabric.load({ targets: nodes, streams: 10, bytesPerStream: 8192 })
  expect(report.bytesSent).toBe(10 * 8192)
  expect(report).toPassVerdict()
  expect(report).toHaveNoChannelLeaks()
  expect(report).toStayUnderAckP95(5000)
})
