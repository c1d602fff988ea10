import { afterEach, expect, test } from 'vitest'
import { createProxy } from '../../src/proxy/index.js'
import { closeTracked, track } from '../helpers/cleanup.js'
import { sha256 } from '../helpers/digest.js'
import { payload } from '../helpers/payload.js'
import { roundTrip, type SinkServer, startSink } from '../helpers/tcp.js'
import { until } from '../helpers/wait.js'

// The relay impairment lab's checks, with a sink standing in for the peer and a client for the relay.
afterEach(closeTracked)

/** Deliver one segment through the proxy; resolves with what the peer recorded, or undefined when it was cut. */
async function deliver(port: number, segment: Buffer, sink: SinkServer) {
  const client = await roundTrip(port, segment, 5000)
  if (client.data.length === 0 && sink.totals.length === 0) return undefined
  return sink.next()
}

test('outage then recovery: refused while down, delivered intact after', async () => {
  const sink = track(await startSink())
  const proxy = track(
    await createProxy({
      protocol: 'tcp',
      target: sink.url,
      impairments: [{ kind: 'outage', mode: 'refuse' }],
    }),
  )
  const segment = payload(64)
  expect(await deliver(proxy.port, segment, sink)).toBeUndefined()
  expect(proxy.stats()).toMatchObject({ connAccepted: 1, connDropped: 1, bytesFwd: 0 })
  proxy.clear()
  const received = await deliver(proxy.port, segment, sink)
  expect(received).toMatchObject({ bytes: 64, sha256: sha256(segment) })
})

test('1 Mbps: a 128 KiB segment arrives whole, no faster than the link allows', async () => {
  const sink = track(await startSink())
  const proxy = track(
    await createProxy({
      protocol: 'tcp',
      target: sink.url,
      impairments: [{ kind: 'bandwidth', bitsPerSecond: 1_000_000, direction: 'upstream' }],
    }),
  )
  const segment = payload(128 * 1024)
  const received = await deliver(proxy.port, segment, sink)
  expect(received?.sha256).toBe(sha256(segment))
  await until(() => proxy.stats().activeConn === 0, 2000)
  const { lastConnBytes, lastConnMs } = proxy.stats()
  const throughputBps = (lastConnBytes * 8000) / lastConnMs
  expect(lastConnBytes).toBe(128 * 1024)
  expect(throughputBps).toBeLessThanOrEqual(1_020_000)
})

test('500 ms pre-dial delay: delivered, and not before the delay', async () => {
  const sink = track(await startSink())
  const proxy = track(
    await createProxy({
      protocol: 'tcp',
      target: sink.url,
      impairments: [{ kind: 'predial', ms: '500ms' }],
    }),
  )
  const start = performance.now()
  const received = await deliver(proxy.port, payload(64), sink)
  expect(performance.now() - start).toBeGreaterThanOrEqual(495)
  expect(received?.bytes).toBe(64)
})

test('cutoff then clean retry: the peer sees 500 bytes, then the whole 4 KiB', async () => {
  const sink = track(await startSink())
  const proxy = track(
    await createProxy({
      protocol: 'tcp',
      target: sink.url,
      impairments: [{ kind: 'cutoff', afterBytes: 500 }],
    }),
  )
  const segment = payload(4096)
  const first = await deliver(proxy.port, segment, sink)
  expect(first?.bytes).toBe(500)
  proxy.clear()
  const retry = await deliver(proxy.port, segment, sink)
  expect(retry).toMatchObject({ bytes: 4096, sha256: sha256(segment) })
  await until(() => proxy.stats().activeConn === 0, 2000)
  expect(proxy.stats().connections.map((c) => c.end)).toEqual(['cutoff', 'closed'])
})

test('repeated outage cycles: every segment delivered once the flap ends', async () => {
  const sink = track(await startSink())
  const proxy = track(await createProxy({ protocol: 'tcp', target: sink.url }))
  const flap = proxy.flap({ down: 50, up: 50, cycles: 3 })
  await flap.done
  for (let i = 0; i < 3; i++) expect((await deliver(proxy.port, payload(64, i), sink))?.bytes).toBe(64)
})
