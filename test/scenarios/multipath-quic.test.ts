// Multipath over QUIC subflows as a scenario subject: each path a QUIC connection through its own
// UDP proxy, one path cut mid-run, every byte checked by the node; and the fixture's teardown.
import dgram from 'node:dgram'
import { createFabricFixture } from '../../src/fabric/fixture.js'
import { startNode } from '../../src/fabric/node.js'
import { expect, test } from '../../src/vitest/index.js'
import { until } from '../helpers/wait.js'

/** The proxy that has forwarded the most bytes so far: the path the scheduler is using. */
const busiest = <P extends { stats(): { bytesFwd: number } }>(proxies: P[]): P =>
  proxies.reduce((a, b) => (b.stats().bytesFwd > a.stats().bytesFwd ? b : a))

/** True when a UDP socket can bind `port` on loopback again: nothing holds it any more. */
async function udpPortFree(port: number): Promise<boolean> {
  const socket = dgram.createSocket('udp4')
  return new Promise((resolve) => {
    socket.once('error', () => resolve(false))
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)))
  })
}

test('a UDP proxy cut mid-run under a load over QUIC paths loses no byte', async ({ fabric }) => {
  const { node, proxies, target } = await fabric.multipath({ paths: 2, pathTransport: 'quic' })
  expect(proxies.map((p) => p.protocol)).toEqual(['udp', 'udp'])
  expect(node.paths.every((p) => p.url.startsWith('quic://') && p.fingerprint === node.fingerprint)).toBe(
    true,
  )
  expect(target.fingerprint).toBe(node.fingerprint)
  const run = fabric.load({
    targets: [target],
    streams: 40,
    concurrency: 4,
    workers: 1,
    bytesPerStream: 128 * 1024,
  })
  // Cut whichever path carries the stream once it is under way: datagrams vanish both ways.
  await until(() => proxies.some((p) => p.stats().bytesFwd > 512 * 1024), 10_000)
  busiest(proxies).add({ kind: 'outage', mode: 'blackhole', cutExisting: true })
  const report = await run
  expect(report.successfulStreams).toBe(40)
  expect(node.stats().bytes).toBe(40 * 128 * 1024)
  expect(node.stats().contentErrors).toBe(0)
  // A blackhole is noticed by unanswered pings (at least 200 ms of silence), then frames move.
  expect(report).toSurvivePathLoss({ maxStallMs: 1000 })
})

test('a node with one TCP and one QUIC path carries a round-robin load on both', async ({
  fabric,
  proxy,
}) => {
  const node = await startNode({
    transport: 'multipath',
    paths: [{ transport: 'tcp' }, { transport: 'quic' }],
  })
  try {
    expect(node.paths[0]!.fingerprint).toBeUndefined()
    const proxies = [
      await proxy.tcp({ target: node.paths[0]!.url }),
      await proxy.udp({ target: node.paths[1]!.url }),
    ]
    const report = await fabric.load({
      targets: [{ multipath: proxies, scheduler: 'round-robin', fingerprint: node.fingerprint }],
      streams: 8,
      concurrency: 2,
      workers: 1,
      bytesPerStream: 64 * 1024,
    })
    expect(report.successfulStreams).toBe(8)
    expect(node.stats().bytes).toBe(8 * 64 * 1024)
    expect(report).toUsePaths(2)
    expect(proxies.every((p) => p.stats().bytesFwd > 64 * 1024)).toBe(true)
  } finally {
    await node.kill()
  }
})

test('fabric.multipath() over QUIC releases its node listeners and UDP proxies', async () => {
  const fabric = createFabricFixture()
  const { node, proxies, target } = await fabric.multipath({ paths: 2, pathTransport: 'quic' })
  const report = await fabric.load({
    targets: [target],
    streams: 4,
    concurrency: 2,
    workers: 1,
    bytesPerStream: 32 * 1024,
  })
  expect(report.successfulStreams).toBe(4)
  const ports = [...node.paths.map((p) => Number(new URL(p.url).port)), ...proxies.map((p) => p.port)]
  expect(ports).toHaveLength(4)
  for (const port of ports) expect(await udpPortFree(port)).toBe(false)
  await fabric.closeAll()
  expect(node.running).toBe(false)
  for (const port of ports) expect(await udpPortFree(port)).toBe(true)
})
