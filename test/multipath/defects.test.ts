// One test per defect of the reference implementation that quicksand's must not have.
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { MultipathConnection } from '../../src/multipath/connection.js'
import { connectMultipath } from '../../src/multipath/dial.js'
import { encodeDataHeader, encodeLead } from '../../src/multipath/frames.js'
import { createProxy } from '../../src/proxy/proxy.js'
import { closeTracked, track } from '../helpers/cleanup.js'
import { sha256 } from '../helpers/digest.js'
import { until } from '../helpers/wait.js'
import { patternBytes, startSink, writeAll } from './harness.js'

afterEach(closeTracked)

const connect = async (options: Parameters<typeof connectMultipath>[0]): Promise<MultipathConnection> => {
  const connection = await connectMultipath(options)
  track({ close: () => connection.destroy() })
  return connection
}

const proxyTo = async (url: string) => track(await createProxy({ protocol: 'tcp', target: url }))

describe('multipath defects of the reference', () => {
  it('matches pongs to pings: idle paths get their own round trip, and lowest-rtt follows it', async () => {
    const { listener, received } = await startSink(2)
    const slow = await proxyTo(listener.urls[0]!)
    slow.add({ kind: 'latency', ms: 40, direction: 'both' })
    const connection = await connect({ paths: [slow, listener.urls[1]!] })
    // No data yet: only pings measure. Several pongs each, so the average has settled.
    const measured = await until(() =>
      connection.stats().paths.every((p) => p.rttMs !== null && p.state === 'up'),
    )
    expect(measured).toBe(true)
    await until(() => (connection.stats().paths[0]!.rttMs ?? 0) >= 80)
    const [slowPath, fastPath] = connection.stats().paths
    // 40 ms each way: no pong can come back sooner than 80 ms after its ping.
    expect(slowPath!.rttMs).toBeGreaterThanOrEqual(80)
    expect(fastPath!.rttMs!).toBeLessThan(slowPath!.rttMs!)
    const data = patternBytes(200_000, 5)
    await writeAll(connection, data)
    await received[0]!.ended
    expect(received[0]!.hash.digest('hex')).toBe(sha256(data))
    const after = connection.stats().paths
    expect(after[1]!.framesSent).toBeGreaterThan(0)
    // The slow path only carried resends of frames whose ACK was late on the fast one.
    expect(after[0]!.framesSent).toBe(after[0]!.retransmitted)
  })

  it('declares a blackholed path failed, moves its frames, redials with backoff and uses it again', async () => {
    const { listener, received } = await startSink(2, { idleTimeoutMs: 5000 })
    const proxies = [await proxyTo(listener.urls[0]!), await proxyTo(listener.urls[1]!)]
    const connection = await connect({ paths: proxies })
    await until(() => connection.stats().paths.every((p) => p.state === 'up'))
    // Silence without a close: nothing tells TCP the path is gone.
    const hole = proxies[0]!.add({ kind: 'outage', mode: 'blackhole', cutExisting: true })
    const failed = await until(() => connection.stats().paths[0]!.failures >= 1)
    expect(failed).toBe(true)
    expect(connection.stats().paths[0]!.state).not.toBe('up')
    const data = patternBytes(300_000, 11)
    // Written but not ended: the connection stays open for the path to come back.
    connection.write(data)
    // Redials into the blackhole time out after the 1 s handshake deadline; the path stays out of use.
    await until(() => received[0]!.bytes === data.length)
    expect(received[0]!.bytes).toBe(data.length)
    proxies[0]!.remove(hole)
    const back = await until(() => connection.stats().paths[0]!.state === 'up', 8000)
    expect(back).toBe(true)
    expect(connection.stats().paths[0]!.redials).toBeGreaterThanOrEqual(1)
    await writeAll(connection, Buffer.alloc(0))
    await received[0]!.ended
    expect(received[0]!.hash.digest('hex')).toBe(sha256(data))
  })

  it('redials a refused path with a doubling backoff, not in a tight loop', async () => {
    const { listener } = await startSink(2)
    const proxies = [await proxyTo(listener.urls[0]!), await proxyTo(listener.urls[1]!)]
    const connection = await connect({ paths: proxies })
    await until(() => connection.stats().paths.every((p) => p.state === 'up'))
    proxies[0]!.add({ kind: 'outage', mode: 'refuse', cutExisting: true })
    const refusals = () => proxies[0]!.stats().connections.filter((c) => c.end === 'refused')
    expect(await until(() => refusals().length >= 5, 8000)).toBe(true)
    // Attempts in the order they came; each wait is about twice the one before (50, 100, 200, 400 ms).
    const times = refusals()
      .map((c) => c.openedAt)
      .sort((a, b) => a - b)
    const gaps = times.slice(1).map((t, i) => t - times[i]!)
    expect(gaps.at(-1)!).toBeGreaterThan(2 * gaps[0]!)
    expect(connection.stats().paths[0]!.state).toBe('down')
    expect(connection.stats().paths[1]!.state).toBe('up')
  })

  it('gives up a subflow handshake that gets no answer within 1 s', async () => {
    // Accepts and swallows: TCP is up, the lead bytes never come back.
    const silent = net.createServer((socket) => socket.on('error', () => {}).resume())
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const sockets = new Set<net.Socket>()
    silent.on('connection', (socket) => sockets.add(socket))
    track({
      close: () =>
        new Promise((resolve) => {
          for (const socket of sockets) socket.destroy()
          silent.close(resolve)
        }),
    })
    const { port } = silent.address() as net.AddressInfo
    const error = await connectMultipath({ paths: [`tcp://127.0.0.1:${port}`] }).catch((e: Error) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(
      new RegExp(`multipath handshake with 127\\.0\\.0\\.1:${port} timed out after 1000 ms`),
    )
    // The socket it opened was closed again: nothing is left half-started.
    expect(sockets.size).toBe(1)
    expect(await until(() => [...sockets].every((s) => s.destroyed))).toBe(true)
  })

  it('forgets a connection ID when its connection closes or idles out', async () => {
    const { listener, received } = await startSink(2, { idleTimeoutMs: 300 })
    for (let i = 0; i < 20; i++) {
      const connection = await connect({ paths: listener.urls })
      await writeAll(connection, Buffer.from(`connection ${i}`))
      await until(() => connection.destroyed)
    }
    expect(await until(() => listener.cidEntries() === 0)).toBe(true)
    expect(received.length).toBe(20)
    // A client that vanishes without a goodbye: its entry goes after the idle timeout.
    const vanished = await connect({ paths: listener.urls })
    await until(() => listener.cidEntries() === 1)
    vanished.destroy()
    expect(await until(() => listener.cidEntries() === 0, 3000)).toBe(true)
    expect(listener.stats().connections).toBe(21)
  })

  it('holds writes once a window of unacknowledged bytes is out', async () => {
    const { listener, received } = await startSink(1)
    const narrow = await proxyTo(listener.urls[0]!)
    narrow.add({ kind: 'bandwidth', bitsPerSecond: 4_000_000, direction: 'upstream' })
    const windowBytes = 64 * 1024
    const connection = await connect({ paths: [narrow], windowBytes, frameSize: 8192 })
    const data = patternBytes(512 * 1024, 13)
    let refused = 0
    let worst = 0
    for (let offset = 0; offset < data.length; offset += 16 * 1024) {
      if (!connection.write(data.subarray(offset, offset + 16 * 1024))) refused++
      worst = Math.max(worst, connection.stats().unackedBytes)
    }
    const watch = setInterval(() => {
      worst = Math.max(worst, connection.stats().unackedBytes)
    }, 5)
    connection.end()
    await received[0]!.ended
    clearInterval(watch)
    expect(refused).toBeGreaterThan(0)
    // At most one write past the window is ever out.
    expect(worst).toBeLessThanOrEqual(windowBytes + 16 * 1024)
    expect(received[0]!.hash.digest('hex')).toBe(sha256(data))
  })

  it('fails the connection when a frame lands past the reorder window, never dropping it silently', async () => {
    const { listener, received } = await startSink(1)
    const { port } = new URL(listener.urls[0]!)
    const socket = net.connect({ host: '127.0.0.1', port: Number(port) })
    // The receiver cuts this subflow when it fails the connection: the reset is expected.
    socket.on('error', () => undefined)
    track({ close: () => socket.destroy() })
    socket.write(encodeLead(new Uint8Array(16)))
    await until(() => received.length === 1)
    // Frame 10 is missing; 10 + 4096 is one past what the receiver may hold.
    const payload = Buffer.from('too far ahead')
    socket.write(Buffer.concat([encodeDataHeader(10 + 4096, payload.length), payload]))
    expect(await until(() => received[0]!.error !== undefined)).toBe(true)
    expect(received[0]!.error!.message).toMatch(
      /reorder window overflow: frame 4106 .* frame 10 is still missing/,
    )
    expect(received[0]!.bytes).toBe(0)
  })
})
