import { afterEach, describe } from 'vitest'
import { resolveTrafficConfig } from '../../src/traffic/config.js'
import type { EchoServer } from '../../src/traffic/echo-server.js'
import { expect, test } from '../../src/vitest/index.js'
import { closeTracked, track } from '../helpers/cleanup.js'
import { startSink } from '../helpers/tcp.js'
import { sleep, until } from '../helpers/wait.js'

afterEach(closeTracked)

/** Resolves once `n` connections are up and have had time for a few echoes (10 packets/s each). */
async function echoing(server: EchoServer, n: number): Promise<void> {
  await until(() => server.connections === n, 3000)
  await sleep(300)
}

describe('traffic.run over TCP', () => {
  test('steady echoes: every packet back, none late, the host stamp counted per connection', async ({
    traffic,
    echo,
  }) => {
    const server = await echo.server({ name: 'alpha' })
    // 3 packets/s per connection: an echo counts as late only after a 333 ms stall, which a busy
    // machine's scheduler does not cause, so a Dropped here means the traffic itself went wrong.
    const report = await traffic.run({ target: server, nconn: 4, rate: 12, duration: '3s' })
    expect(report.Connections).toBe(4)
    expect(report.PacketSize).toBe(1024)
    expect(report.Rate).toBe(12)
    expect(report.Sent).toBeGreaterThan(0)
    expect(report.Received).toBe(report.Sent)
    expect(report.Dropped).toBe(0)
    expect(report.FailedConnections).toBe(0)
    expect(report.FailedConnects).toBe(0)
    expect(report.hosts).toEqual({ alpha: 4 })
    expect(report.ConnStats).toHaveLength(4)
    for (const conn of report.ConnStats) {
      expect(conn).toMatchObject({ Err: '', Host: 'alpha', Remote: `127.0.0.1:${server.port}` })
      expect(conn.Received).toBe(conn.Sent)
      expect(conn.Ended).toBe(report.ConnStats[0]!.Ended)
    }
    // The traffic runs its full 3 s from the moment the worker is ready.
    expect(report.window.endMs - report.window.startMs).toBeCloseTo(3000, 0)
    expect(report.ConnStats[0]!.Ended / 1e6).toBeCloseTo(report.window.endMs, 2)
    expect(report.ConnStats.reduce((n, c) => n + c.Sent, 0)).toBe(report.Sent)
    // The timeline's per-second counters add up to the totals, and ctraffic's Samples are cumulative.
    expect(report.timeline.reduce((n, s) => n + (s.sent ?? 0), 0)).toBe(report.Sent)
    const seconds = Math.ceil((report.window.endMs - 1500) / 1000)
    expect(report.Samples.map((s) => s.Time)).toEqual(
      Array.from({ length: seconds }, (_, i) => (i + 1) * 1e9),
    )
    expect(report.Samples[1]!.Sent).toBeGreaterThanOrEqual(report.Samples[0]!.Sent)
    expect(report.rtt.count).toBe(report.Received)
    expect(report.rtt.p50Ms).toBeGreaterThan(0)
    expect(report.rtt.maxMs).toBeGreaterThanOrEqual(report.rtt.p99Ms)
    // The kernel's figure or the reason it could not be had, never a guess.
    if (report.Retransmits === null) expect(report.retransmitsReason).toMatch(/ss/)
    else expect(report.retransmitsReason).toBeUndefined()
    // Memory is read once a second with every connection up: the reading saw all four.
    expect(report.memory.connections).toBe(4)
    expect(report.memory.heapBytesPerConnection).toBeGreaterThanOrEqual(0)
    expect(report.memory.rssBytes).toBeGreaterThan(0)
    // Every connection lasted to the end, so each was read at least at the end.
    expect(report.retransmitsUnread).toBe(0)
    expect(report.Started).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
    // The run lasts at least until each connection's last slot, within one packet interval
    // (4 connections at 12 packets/s: 333 ms) of the end.
    expect(report.Duration).toBeGreaterThanOrEqual((report.window.endMs - 1000 / 3) * 1e6)
    expect(report.verdict).toBe('pass')
  })

  test('a killed server: connections fail, dials fail while it is down, all reconnect after its restart', async ({
    traffic,
    echo,
  }) => {
    const server = await echo.server({ name: 'phoenix' })
    const report = await traffic.run({
      target: server,
      nconn: 3,
      rate: 30,
      duration: '6s',
      // Worker start-up varies with the machine's load: the kill waits for every connection.
      disturb: [
        {
          at: '1s',
          do: () => echoing(server, 3).then(() => server.kill()),
          name: 'kill',
        },
        {
          at: '2s',
          do: () => until(() => !server.running, 2000).then(() => server.restart()),
          name: 'restart',
        },
      ],
    })
    expect(report.FailedConnections).toBe(3)
    expect(report.FailedConnects).toBeGreaterThan(0)
    expect(report.ConnStats).toHaveLength(6)
    const failed = report.ConnStats.filter((c) => c.Err !== '')
    expect(failed).toHaveLength(3)
    for (const conn of failed) expect(conn.Err).toMatch(/connection reset by peer|EOF/)
    const lasting = report.ConnStats.filter((c) => c.Err === '')
    for (const conn of lasting) expect(conn.Received).toBeGreaterThan(0)
    // Stop-and-wait: at most one packet per failed connection was in flight when it broke.
    expect(report.lost).toBeLessThanOrEqual(3)
    expect(report.Sent - report.Received).toBe(report.lost)
    const types = report.events.map((e) => e.type)
    expect(types).toContain('echo.kill')
    expect(types).toContain('echo.restart')
    expect(types.filter((t) => t === 'traffic.disturb')).toHaveLength(2)
    expect(types.filter((t) => t === 'traffic.connection.failed')).toHaveLength(3)
    expect(report.disturbances.map((d) => d.name)).toEqual(['kill', 'restart'])
    expect(report.disturbances[0]!.recoveryMs).not.toBeNull()
  })

  test('a server that never answers: each connection fails at its 1 s read deadline with its packet lost', async ({
    traffic,
  }) => {
    const sink = track(await startSink())
    const report = await traffic.run({
      address: `127.0.0.1:${sink.port}`,
      nconn: 2,
      rate: 20,
      duration: '4s',
    })
    expect(report.Received).toBe(0)
    expect(report.FailedConnections).toBeGreaterThanOrEqual(2)
    // Stop-and-wait: each failed connection had exactly its one unanswered packet out.
    expect(report.Sent).toBe(report.FailedConnections)
    expect(report.lost).toBe(report.FailedConnections)
    for (const conn of report.ConnStats.filter((c) => c.Connect > 0 && c.Sent > 0)) {
      expect(conn.Err).toMatch(/^read tcp 127\.0\.0\.1:\d+->127\.0\.0\.1:\d+: i\/o timeout$/)
      // The deadline is 1 s after the send; the connection ends once it passes.
      expect(conn.Ended - conn.Connect).toBeGreaterThanOrEqual(1e9)
    }
    expect(report.rtt.count).toBe(0)
  })

  test('without reconnect a failed connection stays down', async ({ traffic, echo }) => {
    const server = await echo.server()
    const report = await traffic.run({
      address: `127.0.0.1:${server.port}`,
      nconn: 2,
      rate: 20,
      duration: '3s',
      reconnect: false,
      disturb: [{ at: '1s', do: () => echoing(server, 2).then(() => server.kill()) }],
    })
    expect(report.FailedConnections).toBe(2)
    expect(report.ConnStats).toHaveLength(2)
    expect(report.FailedConnects).toBe(0)
  })

  test('nothing listening: every dial fails and the verdict says no packet was sent', async ({
    traffic,
    echo,
  }) => {
    const server = await echo.server()
    await server.stop()
    const report = await traffic.run({ target: server, nconn: 1, duration: '3s' })
    expect(report.Sent).toBe(0)
    expect(report.FailedConnects).toBeGreaterThan(0)
    expect(report.verdict).toBe('fail')
    expect(report.verdictReasons).toEqual([`no packet was sent to 127.0.0.1:${server.port}`])
  })
})

describe('traffic.run over UDP', () => {
  test('datagrams echo back stamped with the host, none lost on a clean path', async ({ traffic, echo }) => {
    const server = await echo.server({ transport: 'udp', name: 'dgram' })
    const report = await traffic.run({ target: server, nconn: 3, rate: 30, duration: '3s' })
    expect(report.udp).toBe(true)
    expect(report.Sent).toBeGreaterThan(0)
    expect(report.Received).toBe(report.Sent)
    expect(report.lost).toBe(0)
    expect(report.hosts).toEqual({ dgram: 3 })
    expect(report.rtt.count).toBe(report.Received)
    expect(report.Retransmits).toBeNull()
    expect(report.retransmitsReason).toBe('UDP has no retransmits')
    expect(report).toLoseNoPackets()
  })
})

describe('traffic config', () => {
  const target = 'tcp://127.0.0.1:5003'
  test("fills ctraffic's defaults", () => {
    expect(resolveTrafficConfig({ target })).toMatchObject({
      address: '127.0.0.1:5003',
      nconn: 1,
      rate: 10,
      psize: 1024,
      durationMs: 10_000,
      reconnect: true,
      udp: false,
      retries: 10,
    })
    expect(resolveTrafficConfig({ target: 'udp://[::1]:9' })).toMatchObject({ udp: true, address: '[::1]:9' })
  })

  test.each([
    [{ target, nconn: 0 }, 'nconn must be an integer from 1 to 100000, got 0'],
    [{ target, psize: 10 }, 'psize must be an integer from 64 to 65507, got 10'],
    [{ target, rate: -1 }, 'rate must be a number of KB/s above 0 and at most 10000000, got -1'],
    [{ target, duration: '1s' }, "duration must be a duration of more than 2 s ('10s')"],
    [
      { target, duration: 3e9 },
      'duration must be a duration of at most 2147483647 ms (about 24.8 days, the longest timer Node keeps), got 3000000000',
    ],
    [{ target: 'http://127.0.0.1:80' }, "target must be a URL 'tcp://host:port' or 'udp://host:port'"],
    [{ target, address: '127.0.0.1:1' }, 'address must be left out when target is given'],
    [{ target, udp: true }, 'udp must be false for a tcp:// target, got true'],
    [{ target, ncon: 3 }, "unknown field 'ncon' in traffic config; did you mean 'nconn'?"],
    [
      { target, disturb: [{ at: '20s', do: () => 0 }] },
      "disturb[0].at must be a duration ('2s', 500) within the run's 10000 ms",
    ],
    [{ target, disturb: [{ at: '1s', do: 'kill' }] }, 'disturb[0].do must be a function'],
    [{ target, monitor: 'stderr' }, "monitor must be a function taking one line, got 'stderr'"],
  ])('refuses %o', (config, message) => {
    expect(() => resolveTrafficConfig(config as never)).toThrow(message)
  })
})
