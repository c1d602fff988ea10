import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { connectMultipath } from '../../src/multipath/dial.js'
import { createProxy } from '../../src/proxy/proxy.js'
import { closeTracked, track } from '../helpers/cleanup.js'
import { sha256 } from '../helpers/digest.js'
import { until } from '../helpers/wait.js'
import { patternBytes, startSink, writeAll } from './harness.js'

afterEach(closeTracked)

describe('multipath transfer', () => {
  for (const scheduler of ['lowest-rtt', 'round-robin', 'redundant', 'weighted'] as const) {
    it(`moves 2 MiB over two paths in order with ${scheduler}`, async () => {
      const { listener, received } = await startSink(2, { scheduler })
      const connection = await connectMultipath({ paths: listener.urls, scheduler })
      track({ close: () => connection.destroy() })
      await until(() => connection.stats().paths.every((p) => p.state === 'up'))
      const data = patternBytes(2 * 1024 * 1024, 7)
      await writeAll(connection, data)
      await until(() => received.length === 1)
      await received[0]!.ended
      expect(received[0]!.bytes).toBe(data.length)
      expect(received[0]!.hash.digest('hex')).toBe(sha256(data))
      const paths = connection.stats().paths
      expect(paths.reduce((sum, p) => sum + p.sent, 0)).toBeGreaterThanOrEqual(data.length)
      if (scheduler === 'round-robin' || scheduler === 'redundant') {
        expect(paths.every((p) => p.framesSent > 10)).toBe(true)
      }
      if (scheduler === 'redundant') expect(paths.every((p) => p.sent === data.length)).toBe(true)
    })
  }

  it('carries bytes both ways through impairment proxies', async () => {
    const { listener, received } = await startSink(2)
    const proxies = await Promise.all(
      listener.urls.map((url) =>
        createProxy({ protocol: 'tcp', target: url, impairments: [{ kind: 'latency', ms: 5 }] }),
      ),
    )
    for (const proxy of proxies) track(proxy)
    const connection = await connectMultipath({ paths: proxies })
    track({ close: () => connection.destroy() })
    await until(() => received.length === 1)
    const server = received[0]!.connection
    const back = createHash('sha256')
    let backBytes = 0
    connection.on('data', (chunk: Buffer) => {
      backBytes += chunk.length
      back.update(chunk)
    })
    const reply = patternBytes(300_000, 9)
    server.write(reply)
    const data = patternBytes(500_000, 3)
    await writeAll(connection, data)
    await received[0]!.ended
    await until(() => connection.destroyed)
    expect(received[0]!.hash.digest('hex')).toBe(sha256(data))
    expect(backBytes).toBe(reply.length)
    expect(back.digest('hex')).toBe(sha256(reply))
  })

  it('weighted puts more of the stream on the path with more goodput', async () => {
    const { listener, received } = await startSink(2, { scheduler: 'weighted' })
    const narrow = track(await createProxy({ protocol: 'tcp', target: listener.urls[0]! }))
    narrow.add({ kind: 'bandwidth', bitsPerSecond: 4_000_000, direction: 'upstream' })
    const connection = await connectMultipath({ paths: [narrow, listener.urls[1]!], scheduler: 'weighted' })
    track({ close: () => connection.destroy() })
    const data = patternBytes(6 * 1024 * 1024, 21)
    await writeAll(connection, data)
    await received[0]!.ended
    expect(received[0]!.hash.digest('hex')).toBe(sha256(data))
    const [slow, fast] = connection.stats().paths
    const chosen = (p: typeof slow) => p!.framesSent - p!.retransmitted
    expect(chosen(fast)).toBeGreaterThan(2 * chosen(slow))
    expect(chosen(slow)).toBeGreaterThan(0)
  })
})
