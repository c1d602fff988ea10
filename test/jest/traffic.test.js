import { useEcho, useTraffic } from 'quicksand/jest'

const traffic = useTraffic()
const echo = useEcho()
let lastServer

test('useTraffic() and useEcho() run continuous traffic with the traffic matchers registered', async () => {
  const server = await echo.server({ name: 'jest-pod' })
  lastServer = server
  const report = await traffic.run({ target: server, nconn: 2, rate: 20, duration: '3s' })
  expect(report.Received).toBe(report.Sent)
  expect(report.hosts).toEqual({ 'jest-pod': 2 })
  expect(report).toLoseNoPackets()
  expect(report).toKeepConnections()
  expect(() => expect(report).toRecoverWithin(100)).toThrow('The run had no disturbances')
}, 20_000)

test('echo servers started by useEcho() are killed after each test', () => {
  expect(lastServer).toBeDefined()
  expect(lastServer.running).toBe(false)
})
