import { createHash } from 'node:crypto'
import { expect, test } from 'quicksand/vitest'

// Each workload once, from the packed package, as a new user's first test would use it.

test('a relay delivers a segment once and keeps a failed one for a retry', async ({ fabric }) => {
  const peer = await fabric.peer()
  const relay = await fabric.relay({ peer })
  const bytes = Buffer.alloc(4096, 7)
  expect(await relay.submit('seg-1', bytes)).toMatchObject({ id: 'seg-1', delivered: true })
  await peer.kill()
  const failed = await relay.submit('seg-2', bytes)
  expect(failed.delivered).toBe(false)
  expect(relay.deadletters().map((d) => d.id)).toEqual(['seg-2'])
  await peer.restart()
  expect(await relay.retryAll()).toEqual({ delivered: ['seg-2'], dead: [] })
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  expect(peer.received().map((r) => [r.id, r.size, r.sha256])).toEqual([
    ['seg-1', 4096, sha256],
    ['seg-2', 4096, sha256],
  ])
})

test('a three-hop pipeline accounts for every packet', async ({ fabric }) => {
  const report = await fabric.pipeline({ hops: 3, pps: 2000, count: 2000 })
  expect(report.sink.delivered).toBe(2000)
  expect(report).toConservePackets()
  expect(report).toSustainPps(500)
})

test('a load over two multipath paths survives losing one', async ({ fabric }) => {
  const { proxies, target } = await fabric.multipath({ paths: 2, scheduler: 'round-robin' })
  const run = fabric.load({ targets: [target], streams: 20, concurrency: 2, bytesPerStream: 256 * 1024 })
  // Cut a path once bytes flow on it.
  for (let i = 0; i < 500 && proxies[0]!.stats().bytesFwd < 128 * 1024; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  proxies[0]!.add({ kind: 'outage', mode: 'refuse', cutExisting: true })
  const report = await run
  expect(report.successfulStreams).toBe(20)
  expect(report).toSurvivePathLoss({ maxStallMs: 5000 })
})

test('continuous traffic through an echo server loses nothing', async ({ traffic, echo }) => {
  const server = await echo.server()
  const report = await traffic.run({ target: server, nconn: 4, rate: 40, duration: '2500ms' })
  expect(report.Received).toBeGreaterThan(0)
  expect(report).toLoseNoPackets()
  expect(report).toKeepConnections()
})
