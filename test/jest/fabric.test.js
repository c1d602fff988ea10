import { useFabric, useProxy } from 'quicksand/jest'

const reports = []
const fabric = useFabric({ onReport: (report) => reports.push(report) })
const proxy = useProxy()
let lastNode

test('a load over TCP passes its verdict with the matchers registered by the setup file', async () => {
  const nodes = await fabric.nodes(2, { transport: 'tcp' })
  lastNode = nodes[0]
  const report = await fabric.load({ targets: nodes, streams: 20, concurrency: 4, bytesPerStream: 16 * 1024 })
  expect(report.bytesSent).toBe(20 * 16 * 1024)
  expect(report).toPassVerdict()
  expect(report).toHaveNoChannelLeaks()
  expect(report).toStayUnderAckP95(5000)
  expect(report).not.toStayUnderAckP95(0.000001)
  // useFabric() keeps the Vitest fixture's options: onReport sees every report, timeline included.
  expect(reports).toEqual([report])
  expect(report.timeline.reduce((n, s) => n + (s.bytes ?? 0), 0)).toBe(report.bytesSent)
})

test('nodes started by useFabric() are stopped after each test', () => {
  expect(lastNode).toBeDefined()
  expect(lastNode.running).toBe(false)
})

test('a failing verdict fails toPassVerdict with the reasons', async () => {
  const [node] = await fabric.nodes(1, { transport: 'tcp' })
  const report = await fabric.load({ targets: [node], streams: 2, maxAckP95Ms: 0.000001 })
  expect(report).not.toPassVerdict()
  expect(() => expect(report).toPassVerdict()).toThrow(/ack_p95_ms=/)
})

test('a TCP proxy from useProxy() stands in for a node', async () => {
  const [node] = await fabric.nodes(1, { transport: 'tcp' })
  const path = await proxy.tcp({ target: node })
  const report = await fabric.load({ targets: [path], streams: 5, bytesPerStream: 8192 })
  expect(report).toPassVerdict()
  expect(path.stats().bytesFwd).toBeGreaterThan(5 * 8192)
})

test('useFabric() refuses a misspelt option with the closest name', () => {
  expect(() => useFabric({ onReprt: () => undefined })).toThrow(
    "unknown field 'onReprt' in useFabric options; did you mean 'onReport'?",
  )
})
