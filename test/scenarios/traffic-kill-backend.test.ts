// ctraffic's README run, compressed: steady traffic through a round-robin front of three echo
// servers while one of them is killed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, test } from '../../src/vitest/index.js'
import { closeTracked, onTeardown } from '../helpers/cleanup.js'
import { until } from '../helpers/wait.js'

afterEach(closeTracked)

test('killing one of three backends fails its connections, which reconnect to the other two', async ({
  traffic,
  echo,
}) => {
  const backends = [
    await echo.server({ name: 'pod-a' }),
    await echo.server({ name: 'pod-b' }),
    await echo.server({ name: 'pod-c' }),
  ]
  const front = await echo.front(backends)
  const [, victim] = backends
  let victimHeld = 0
  const dir = mkdtempSync(join(tmpdir(), 'quicksand-traffic-'))
  onTeardown(() => rmSync(dir, { recursive: true, force: true }))
  const svgPath = join(dir, 'run.svg')
  const report = await traffic.run({
    svgPath,
    target: front,
    nconn: 200,
    rate: 100,
    // ctraffic's README run kills a backend at 2 s of 6 s. 8 s here: the kill waits for all 200
    // connections, which a busy machine can delay by seconds, and recovery is judged only in
    // whole seconds that end 1 s before the run does.
    duration: '8s',
    disturb: [
      {
        at: '2s',
        name: 'kill pod-b',
        // Every connection is up before the kill, however long the worker took to start.
        do: async () => {
          await until(() => backends.reduce((n, b) => n + b.connections, 0) === 200, 4000)
          victimHeld = victim!.connections
          await victim!.kill()
        },
      },
    ],
  })
  // Round robin: each backend took a third of the first 200 connections.
  expect(victimHeld).toBeGreaterThanOrEqual(66)
  expect(victimHeld).toBeLessThanOrEqual(67)
  expect(report.FailedConnections).toBe(victimHeld)
  const failed = report.ConnStats.filter((c) => c.Err !== '')
  // Each broken connection counts when it breaks, not at its next send slot (one every 2 s here):
  // ctraffic's own spread of 2 s would be about 1.9 s over 66 connections.
  const ended = failed.map((c) => c.Ended / 1e6)
  expect(Math.max(...ended) - Math.min(...ended)).toBeLessThan(1500)
  // At 1 packet per 2 s per connection, some broke before their first echo told them their host.
  const named = failed.filter((c) => c.Host !== undefined)
  expect(named.every((c) => c.Host === 'pod-b')).toBe(true)
  expect(named.length).toBeGreaterThan(0)
  expect(report.ConnStats).toHaveLength(200 + victimHeld)
  // The replacements went to the pods still running; at the end every connection is on them.
  const lasting = report.ConnStats.filter((c) => c.Err === '')
  expect(lasting).toHaveLength(200)
  expect(new Set(lasting.map((c) => c.Host))).toEqual(new Set(['pod-a', 'pod-c']))
  expect(report.hosts['pod-b']).toBe(named.length)
  expect(report.hosts['pod-a']! + report.hosts['pod-c']!).toBe(200)
  // Stop-and-wait: at most one echo per failed connection was in flight.
  expect(report.lost).toBeLessThanOrEqual(victimHeld)
  expect(report.events.map((e) => e.type)).toContain('echo.kill')
  expect(report).toKeepConnections({ maxFailed: victimHeld })
  expect(report).not.toKeepConnections()
  expect(report.disturbances[0]?.recoveryMs).not.toBeNull()
  expect(report).toRecoverWithin(report.disturbances[0]!.recoveryMs!)
  // The picture: both panels with three lines each, and the kill shaded with its recovery.
  const svg = readFileSync(svgPath, 'utf8')
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
  expect(svg.match(/<polyline /g)).toHaveLength(6)
  expect(svg).toContain(
    `<title>kill pod-b at 2000 ms, recovered in ${report.disturbances[0]!.recoveryMs} ms</title>`,
  )
  expect(svg).toContain(`200 connections to ${front.host}:${front.port}, 100 KB/s, 1024 B packets`)
})
