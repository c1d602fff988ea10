// QUIC subflows: each path is one stream on its own QUIC connection through a UDP proxy, with the
// node's certificate pinned; the bytes on it are the same as on a TCP subflow.
import { afterEach, describe, expect, it } from 'vitest'
import { connectMultipath } from '../../src/multipath/dial.js'
import { createProxy } from '../../src/proxy/proxy.js'
import type { ImpairmentProxy } from '../../src/proxy/types.js'
import { closeClients, connectQuic } from '../../src/transport/quic/client.js'
import { closeTracked, onTeardown, track } from '../helpers/cleanup.js'
import { sha256 } from '../helpers/digest.js'
import { until } from '../helpers/wait.js'
import { patternBytes, startSink, writeAll } from './harness.js'

afterEach(closeTracked)

/** A proxy in front of one path: UDP for quic://, TCP for tcp://. */
async function proxyTo(url: string): Promise<ImpairmentProxy> {
  return track(await createProxy({ protocol: url.startsWith('quic:') ? 'udp' : 'tcp', target: url }))
}

async function connect(options: Parameters<typeof connectMultipath>[0]) {
  // The client's QUIC sockets are shared per thread: released last, after the connection.
  onTeardown(() => closeClients())
  const connection = await connectMultipath(options)
  track({ close: () => connection.destroy() })
  return connection
}

describe('multipath over QUIC subflows', () => {
  for (const scheduler of ['lowest-rtt', 'round-robin', 'redundant', 'weighted'] as const) {
    it(`moves 3 MiB over two QUIC paths through UDP proxies with ${scheduler}`, async () => {
      const { listener, received } = await startSink(['quic', 'quic'], { scheduler })
      expect(listener.urls.every((u) => u.startsWith('quic://127.0.0.1:'))).toBe(true)
      const proxies = [await proxyTo(listener.urls[0]!), await proxyTo(listener.urls[1]!)]
      const connection = await connect({ paths: proxies, scheduler, fingerprint: listener.fingerprint! })
      await until(() => connection.stats().paths.every((p) => p.state === 'up'))
      const data = patternBytes(3 * 1024 * 1024, 5)
      await writeAll(connection, data)
      await until(() => received.length === 1)
      await received[0]!.ended
      expect(received[0]!.bytes).toBe(data.length)
      expect(received[0]!.hash.digest('hex')).toBe(sha256(data))
      // Every byte went through the UDP proxies: both carried datagrams.
      expect(proxies.every((p) => p.stats().bytesFwd > 0)).toBe(true)
      const paths = connection.stats().paths
      expect(paths.reduce((sum, p) => sum + p.sent, 0)).toBeGreaterThanOrEqual(data.length)
      if (scheduler === 'round-robin' || scheduler === 'redundant') {
        expect(paths.every((p) => p.framesSent > 10)).toBe(true)
      }
      if (scheduler === 'redundant') expect(paths.every((p) => p.sent === data.length)).toBe(true)
    })
  }

  it('detects a blackholed QUIC path, goes on over the other, and redials once the outage ends', async () => {
    const { listener, received } = await startSink(['quic', 'quic'], { idleTimeoutMs: 5000 })
    const proxies = [await proxyTo(listener.urls[0]!), await proxyTo(listener.urls[1]!)]
    const connection = await connect({ paths: proxies, fingerprint: listener.fingerprint! })
    await until(() => connection.stats().paths.every((p) => p.state === 'up'))
    // A UDP outage: datagrams vanish both ways, nothing closes.
    const hole = proxies[0]!.add({ kind: 'outage', mode: 'blackhole', cutExisting: true })
    expect(await until(() => connection.stats().paths[0]!.failures >= 1)).toBe(true)
    expect(connection.stats().paths[0]!.state).not.toBe('up')
    const data = patternBytes(1024 * 1024, 12)
    connection.write(data)
    await until(() => received[0]!.bytes === data.length, 8000)
    expect(received[0]!.bytes).toBe(data.length)
    expect(connection.stats().paths[1]!.state).toBe('up')
    proxies[0]!.remove(hole)
    expect(await until(() => connection.stats().paths[0]!.state === 'up', 8000)).toBe(true)
    expect(connection.stats().paths[0]!.redials).toBeGreaterThanOrEqual(1)
    // The server joined the redialled subflow to the same connection.
    expect(listener.stats().connections).toBe(1)
    expect(listener.stats().subflows).toBeGreaterThanOrEqual(2)
    await writeAll(connection, Buffer.alloc(0))
    await received[0]!.ended
    expect(received[0]!.hash.digest('hex')).toBe(sha256(data))
    await until(() => listener.cidEntries() === 0)
    expect(listener.cidEntries()).toBe(0)
  })

  it('mixes a TCP path and a QUIC path in one connection', async () => {
    const { listener, received } = await startSink(['tcp', 'quic'], { scheduler: 'round-robin' })
    expect(listener.urls[0]).toMatch(/^tcp:\/\//)
    expect(listener.urls[1]).toMatch(/^quic:\/\//)
    const proxies = [await proxyTo(listener.urls[0]!), await proxyTo(listener.urls[1]!)]
    expect(proxies.map((p) => p.protocol)).toEqual(['tcp', 'udp'])
    const connection = await connect({
      paths: proxies,
      scheduler: 'round-robin',
      fingerprint: listener.fingerprint!,
    })
    await until(() => connection.stats().paths.every((p) => p.state === 'up'))
    const data = patternBytes(2 * 1024 * 1024, 3)
    await writeAll(connection, data)
    await until(() => received.length === 1)
    await received[0]!.ended
    expect(received[0]!.hash.digest('hex')).toBe(sha256(data))
    const paths = connection.stats().paths
    expect(paths.every((p) => p.framesSent > 10)).toBe(true)
  })

  it('refuses a QUIC path whose certificate does not match the pin, naming the fingerprints', async () => {
    const { listener } = await startSink(['quic'])
    const wrong = 'ab'.repeat(32)
    onTeardown(() => closeClients())
    const attempt = connectMultipath({ paths: listener.urls, fingerprint: wrong })
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `multipath connect failed on every path: .*certificate fingerprint is ${listener.fingerprint}, expected ${wrong}`,
      ),
    )
    // The refused QUIC connection is gone, and the listener kept no connection for it.
    expect(listener.cidEntries()).toBe(0)
    expect(listener.stats().connections).toBe(0)
  })

  it('uses a per-path pin before the connection-wide one', async () => {
    const { listener, received } = await startSink(['quic'])
    const connection = await connect({
      paths: [{ url: listener.urls[0]!, fingerprint: listener.fingerprint! }],
      fingerprint: 'cd'.repeat(32),
    })
    const data = patternBytes(64 * 1024, 2)
    await writeAll(connection, data)
    await until(() => received.length === 1)
    await received[0]!.ended
    expect(received[0]!.hash.digest('hex')).toBe(sha256(data))
  })

  it('gives up a QUIC path that gets no answer within the 1 s handshake deadline', async () => {
    const { listener } = await startSink(['quic'])
    const hole = await proxyTo(listener.urls[0]!)
    hole.add({ kind: 'outage', mode: 'blackhole' })
    onTeardown(() => closeClients())
    await expect(connectMultipath({ paths: [hole], fingerprint: listener.fingerprint! })).rejects.toThrow(
      `multipath connect failed on every path: QUIC connect to 127.0.0.1:${hole.port} timed out after 1000 ms`,
    )
    // No Initial got through: the node never saw a connection.
    expect(listener.stats().connections).toBe(0)
  })

  it('closes a QUIC connection that opens no subflow stream within 1 s', async () => {
    const { listener } = await startSink(['quic'])
    onTeardown(() => closeClients())
    const port = Number(new URL(listener.urls[0]!).port)
    const conn = await connectQuic({
      host: '127.0.0.1',
      port,
      timeoutMs: 1000,
      fingerprint: listener.fingerprint!,
    })
    const closed = new Promise<string>((resolve) =>
      conn.onClose((error) => resolve(error?.message ?? 'clean')),
    )
    expect(await closed).toMatch(/no subflow stream/)
    expect(listener.cidEntries()).toBe(0)
  })

  it('names the field, value and rule of a bad pin', async () => {
    await expect(connectMultipath({ paths: ['quic://127.0.0.1:9'], fingerprint: 'nope' })).rejects.toThrow(
      "fingerprint must be a SHA-256 fingerprint (64 hex digits, colons allowed), got 'nope'",
    )
    await expect(
      connectMultipath({ paths: [{ url: 'tcp://127.0.0.1:9', fingerprint: 'ab'.repeat(32) }] }),
    ).rejects.toThrow(/paths\[0\]\.fingerprint .*absent on a tcp:\/\/ path/)
    await expect(connectMultipath({ paths: ['udp://127.0.0.1:9'] })).rejects.toThrow(
      /paths\[0\].*'tcp:\/\/host:port', 'quic:\/\/host:port'/,
    )
  })
})
