// Continuous traffic over impaired paths and through a rolling restart: what each disturbance
// costs shows in ctraffic's counters, the timeline and the matchers' messages.
import { expect, test } from '../../src/vitest/index.js'
import { sleep, until } from '../helpers/wait.js'

test('5 % loss on a UDP path: packets go missing, late slots are dropped, toLoseNoPackets says where', async ({
  traffic,
  echo,
  proxy,
}) => {
  const server = await echo.server({ transport: 'udp', name: 'udp-pod' })
  const lossy = await proxy.udp({ target: server, impairments: [{ kind: 'loss', rate: 0.05 }] })
  const report = await traffic.run({ target: lossy, nconn: 4, rate: 80, duration: '4s' })
  expect(report.udp).toBe(true)
  expect(report.lost).toBeGreaterThan(0)
  expect(report.Sent - report.Received).toBe(report.lost)
  expect(report.timeline.reduce((n, s) => n + (s.lost ?? 0), 0)).toBe(report.lost)
  // Each lost echo holds its connection for the 1 s read deadline: the slots it missed are Dropped.
  expect(report.Dropped).toBeGreaterThan(0)
  expect(report.FailedConnections).toBe(0)
  expect(report.Retransmits).toBeNull()
  expect(report.retransmitsReason).toBe('UDP has no retransmits')
  expect(report.hosts).toEqual({ 'udp-pod': 4 })
  const failure = () => expect(report).toLoseNoPackets()
  expect(failure).toThrow(`(${report.lost} lost in flight), Dropped ${report.Dropped}`)
  expect(failure).toThrow(/second \d+ \(\d+-\d+ ms\): \d+ dropped/)
  expect(failure).toThrow(/Connections concerned:\n {2}127\.0\.0\.1:\d+ \(udp-pod\): sent \d+, received \d+/)
})

test('a 200 ms latency spike on a TCP path: echoes come back late, slots are dropped, recovery is measured', async ({
  traffic,
  echo,
  proxy,
}) => {
  const server = await echo.server({ name: 'far-pod' })
  const path = await proxy.tcp({ target: server })
  const monitor: string[] = []
  const report = await traffic.run({
    monitor: (line) => monitor.push(line),
    target: path,
    nconn: 4,
    rate: 40, // 10 packets/s per connection: a 200 ms round trip misses a slot or two per packet
    duration: '6s',
    disturb: [
      {
        at: '1s',
        name: 'latency spike',
        do: async () => {
          await until(() => server.connections === 4, 3000)
          path.set([{ kind: 'latency', ms: 200 }])
          await sleep(1000)
          path.set([])
        },
      },
    ],
  })
  expect(report.Dropped).toBeGreaterThan(0)
  expect(report.FailedConnections).toBe(0)
  expect(report.Received).toBe(report.Sent)
  // ctraffic's monitor line, once a second: the drops show in it as the spike passes.
  const dropped = monitor.map((line) => {
    const match =
      /^Conn act\/fail\/connecting: \d+\/0\/\d+, Packets send\/rec\/dropped: \d+\/\d+\/(\d+)$/.exec(line)
    expect(match, line).not.toBeNull()
    return Number(match![1])
  })
  expect(Math.max(...dropped)).toBeGreaterThan(0)
  expect(Math.max(...dropped)).toBeLessThanOrEqual(report.Dropped)
  expect(report.rtt.maxMs).toBeGreaterThanOrEqual(200)
  const spike = report.timeline.find((s) => (s.dropped ?? 0) > 0)
  expect(spike?.rttP99Ms).toBeGreaterThanOrEqual(200)
  expect(report.events.map((e) => e.type)).toContain('impairment.set')
  expect(report).toKeepConnections()
  expect(() => expect(report).toLoseNoPackets()).toThrow(`Dropped ${report.Dropped}`)
  const [record] = report.disturbances
  expect(record?.recoveryMs).not.toBeNull()
  expect(report).toRecoverWithin(record!.recoveryMs!)
  if (record!.recoveryMs! > 0) {
    expect(() => expect(report).toRecoverWithin(record!.recoveryMs! - 1)).toThrow(
      `latency spike at 1000 ms: recovered in ${record!.recoveryMs} ms`,
    )
  }
})

test('a rolling restart of three backends: each one’s connections move to the others and all are back at the end', async ({
  traffic,
  echo,
}) => {
  const pods = [
    await echo.server({ name: 'pod-0' }),
    await echo.server({ name: 'pod-1' }),
    await echo.server({ name: 'pod-2' }),
  ]
  const front = await echo.front(pods)
  const held: number[] = []
  const report = await traffic.run({
    target: front,
    nconn: 30,
    rate: 60,
    duration: '7s',
    disturb: [
      {
        at: '1s',
        name: 'rolling restart',
        do: async () => {
          await until(() => pods.reduce((n, p) => n + p.connections, 0) === 30, 3000)
          for (const pod of pods) {
            held.push(pod.connections)
            await pod.stop()
            await sleep(300)
            await pod.restart()
            await sleep(700)
          }
        },
      },
    ],
  })
  // Every connection a pod held when it stopped ended with its FIN and was replaced.
  expect(held).toHaveLength(3)
  expect(report.FailedConnections).toBe(held.reduce((a, b) => a + b, 0))
  const failed = report.ConnStats.filter((c) => c.Err !== '')
  expect(failed.every((c) => c.Err === 'EOF')).toBe(true)
  expect(report.ConnStats.filter((c) => c.Err === '')).toHaveLength(30)
  expect(report.events.filter((e) => e.type === 'echo.stop')).toHaveLength(3)
  expect(report.events.filter((e) => e.type === 'echo.restart')).toHaveLength(3)
  expect(report).toKeepConnections({ maxFailed: report.FailedConnections })
})
