import { afterEach, describe, expect, test } from 'vitest'
import { createProxy, type ImpairmentProxy } from '../../src/proxy/index.js'
import { closeTracked, track } from '../helpers/cleanup.js'
import { sha256 } from '../helpers/digest.js'
import { payload } from '../helpers/payload.js'
import { collect, connect, roundTrip, startEcho, startSink, startTcpServer } from '../helpers/tcp.js'
import { sleep, until } from '../helpers/wait.js'

afterEach(closeTracked)

async function echoProxy(impairments: Parameters<ImpairmentProxy['set']>[0] = []) {
  const echo = track(await startEcho())
  const proxy = track(await createProxy({ protocol: 'tcp', target: echo.url, impairments }))
  return { echo, proxy }
}

async function sinkProxy(impairments: Parameters<ImpairmentProxy['set']>[0] = []) {
  const sink = track(await startSink())
  const proxy = track(await createProxy({ protocol: 'tcp', target: sink.url, impairments }))
  return { sink, proxy }
}

describe('tcp proxy, clean path', () => {
  test('echoes 4 MiB intact and counts it in the lab schema', async () => {
    const { proxy, echo } = await echoProxy()
    expect(proxy.url).toBe(`tcp://127.0.0.1:${proxy.port}`)
    expect(proxy.target.url).toBe(echo.url)
    const data = payload(4 * 1024 * 1024)
    const outcome = await roundTrip(proxy.port, data)
    expect(outcome.data.length).toBe(data.length)
    expect(sha256(outcome.data)).toBe(sha256(data))
    const stats = proxy.stats()
    expect(stats).toMatchObject({
      bytesFwd: data.length,
      bytesUpstream: data.length,
      bytesDownstream: data.length,
      connAccepted: 1,
      connDropped: 0,
      activeConn: 0,
      lastConnBytes: data.length,
    })
    expect(stats.connections[0]).toMatchObject({ end: 'closed', bytesUpstream: data.length })
  })

  test('accepts a fabric node object and a host:port target', async () => {
    const echo = track(await startEcho())
    const byNode = track(
      await createProxy({ protocol: 'tcp', target: { url: echo.url, host: '127.0.0.1', port: echo.port } }),
    )
    const byAddress = track(await createProxy({ protocol: 'tcp', target: `127.0.0.1:${echo.port}` }))
    for (const proxy of [byNode, byAddress]) {
      const outcome = await roundTrip(proxy.port, Buffer.from('ping'))
      expect(outcome.data.toString()).toBe('ping')
    }
  })

  test('carries a half-close: the client ends, the answer still arrives', async () => {
    // Answers only after the client's FIN, so the answer must cross a half-closed connection.
    const sinkLike = track(
      await startTcpServer(
        (socket) => {
          const parts: Buffer[] = []
          socket.on('data', (c: Buffer) => parts.push(c))
          socket.on('end', () => setTimeout(() => socket.end(`got ${Buffer.concat(parts).length}`), 30))
        },
        { allowHalfOpen: true },
      ),
    )
    const proxy = track(await createProxy({ protocol: 'tcp', target: sinkLike.url }))
    const outcome = await roundTrip(proxy.port, payload(10_000))
    expect(outcome.data.toString()).toBe('got 10000')
    expect(outcome.ended).toBe(true)
  })
})

describe('tcp impairments', () => {
  test('outage refuse closes each new connection at once and counts it dropped', async () => {
    const { proxy, sink } = await sinkProxy([{ kind: 'outage', mode: 'refuse' }])
    const outcome = await roundTrip(proxy.port, payload(1000))
    expect(outcome.data.length).toBe(0)
    expect(sink.totals.length).toBe(0)
    const stats = proxy.stats()
    expect(stats.connDropped).toBe(1)
    expect(stats.connections[0]?.end).toBe('refused')
  })

  test('outage blackhole accepts, swallows and never dials', async () => {
    const { proxy, sink } = await sinkProxy([{ kind: 'outage', mode: 'blackhole' }])
    const socket = await connect(proxy.port)
    const outcome = collect(socket)
    socket.write(payload(50_000))
    await sleep(150)
    expect(socket.destroyed).toBe(false)
    expect(proxy.stats().activeConn).toBe(1)
    socket.end()
    const result = await outcome
    expect(result.data.length).toBe(0)
    expect(sink.totals.length).toBe(0)
    expect(await until(() => proxy.stats().activeConn === 0, 2000)).toBe(true)
    expect(proxy.stats().connections[0]?.end).toBe('blackholed')
  })

  test('outage with cutExisting closes connections already open', async () => {
    const { proxy } = await echoProxy()
    const socket = await connect(proxy.port)
    const outcome = collect(socket)
    socket.write('before')
    await sleep(50)
    proxy.add({ kind: 'outage', mode: 'refuse', cutExisting: true })
    const result = await outcome
    expect(result.data.toString()).toBe('before')
    expect(proxy.stats().connections[0]?.end).toBe('outage')
  })

  test('bandwidth: 128 KiB at 1 Mbps upstream takes at least 128 KiB x 8 / 1e6 s', async () => {
    const { proxy, sink } = await sinkProxy([
      { kind: 'bandwidth', bitsPerSecond: 1_000_000, direction: 'upstream' },
    ])
    const data = payload(128 * 1024)
    const socket = await connect(proxy.port)
    const start = performance.now()
    socket.end(data)
    const result = await sink.next()
    const elapsed = performance.now() - start
    expect(result.bytes).toBe(data.length)
    expect(result.sha256).toBe(sha256(data))
    expect(elapsed).toBeGreaterThanOrEqual(1048 * 0.98)
    expect(await until(() => proxy.stats().activeConn === 0, 2000)).toBe(true)
    const stats = proxy.stats()
    expect(stats.lastConnBytes).toBe(data.length)
    expect(stats.lastConnMs).toBeGreaterThanOrEqual(1020)
  })

  test('bandwidth with scope proxy shares one link between connections', async () => {
    const { proxy, sink } = await sinkProxy([
      { kind: 'bandwidth', bitsPerSecond: 2_000_000, direction: 'upstream', scope: 'proxy' },
    ])
    const start = performance.now()
    const sockets = await Promise.all([connect(proxy.port), connect(proxy.port)])
    for (const socket of sockets) socket.end(payload(64 * 1024))
    const results = await Promise.all([sink.next(), sink.next()])
    // Two 64 KiB transfers over one 2 Mbps link need 128 KiB x 8 / 2e6 = 524 ms in all.
    expect(performance.now() - start).toBeGreaterThanOrEqual(500)
    expect(results.map((r) => r.bytes)).toEqual([64 * 1024, 64 * 1024])
  })

  test('latency delays the answer by at least ms (downstream by default)', async () => {
    const { proxy } = await echoProxy([{ kind: 'latency', ms: '50ms' }])
    expect(proxy.list()[0]?.impairment).toMatchObject({
      direction: 'downstream',
      ms: 50,
      name: 'latency_downstream',
    })
    const socket = await connect(proxy.port)
    const outcome = collect(socket)
    const start = performance.now()
    const firstByte = new Promise<number>((resolve) =>
      socket.once('data', () => resolve(performance.now() - start)),
    )
    socket.write(payload(100))
    expect(await firstByte).toBeGreaterThanOrEqual(49)
    socket.end()
    expect((await outcome).data.length).toBe(100)
  })

  test('latency with jitter keeps byte order', async () => {
    const { proxy } = await echoProxy([{ kind: 'latency', ms: 5, jitterMs: 5, direction: 'both' }])
    const socket = await connect(proxy.port)
    const outcome = collect(socket)
    const data = payload(256 * 1024)
    for (let i = 0; i < 64; i++) {
      socket.write(data.subarray(i * 4096, (i + 1) * 4096))
      await sleep(1)
    }
    socket.end()
    expect(sha256((await outcome).data)).toBe(sha256(data))
  })

  test('predial waits before dialling the target', async () => {
    const { proxy } = await echoProxy([{ kind: 'predial', ms: 200 }])
    const socket = await connect(proxy.port)
    const start = performance.now()
    const outcome = collect(socket)
    socket.end('hello')
    const result = await outcome
    expect(result.data.toString()).toBe('hello')
    expect(result.closedAfterMs).toBeGreaterThanOrEqual(195)
    expect(performance.now() - start).toBeGreaterThanOrEqual(195)
  })

  test('cutoff closes after forwarding exactly afterBytes upstream', async () => {
    const { proxy, sink } = await sinkProxy([{ kind: 'cutoff', afterBytes: 500 }])
    const socket = await connect(proxy.port)
    const outcome = collect(socket)
    socket.write(payload(4096))
    const result = await sink.next()
    expect(result.bytes).toBe(500)
    await outcome
    const stats = proxy.stats()
    expect(stats.bytesFwd).toBe(500)
    expect(stats.connDropped).toBe(1)
    expect(stats.connections[0]?.end).toBe('cutoff')
  })

  test('limitData closes once that many bytes went downstream', async () => {
    const { proxy } = await echoProxy([{ kind: 'limitData', bytes: 1000 }])
    const result = await roundTrip(proxy.port, payload(5000))
    expect(result.data.length).toBe(1000)
    expect(proxy.stats().connections[0]?.end).toBe('limit-data')
  })

  test('reset sends RST to the client after timeoutMs', async () => {
    const { proxy } = await echoProxy([{ kind: 'reset', timeoutMs: 50 }])
    const socket = await connect(proxy.port)
    const outcome = collect(socket)
    socket.write('x')
    const result = await outcome
    expect(result.error).toBe('ECONNRESET')
    expect(result.closedAfterMs).toBeGreaterThanOrEqual(45)
    expect(proxy.stats().connections[0]?.end).toBe('reset')
  })

  test('slowClose holds the FIN for delayMs after the data', async () => {
    const { proxy } = await echoProxy([{ kind: 'slowClose', delayMs: 150 }])
    const socket = await connect(proxy.port)
    const outcome = collect(socket)
    let lastData = 0
    socket.on('data', () => {
      lastData = performance.now()
    })
    socket.end('bye')
    const result = await outcome
    const ended = performance.now()
    expect(result.data.toString()).toBe('bye')
    expect(result.ended).toBe(true)
    expect(ended - lastData).toBeGreaterThanOrEqual(140)
  })

  test('stall forwards nothing until removed, then delivers every byte', async () => {
    const { proxy, sink } = await sinkProxy([{ kind: 'stall', direction: 'upstream' }])
    const data = payload(100_000)
    const socket = await connect(proxy.port)
    socket.write(data)
    await sleep(150)
    expect(sink.totals[0] ?? 0).toBe(0)
    expect(proxy.remove('stall_upstream')).toBe(true)
    socket.end()
    const result = await sink.next()
    expect(result.sha256).toBe(sha256(data))
  })

  test('stall with timeoutMs closes the connection after it', async () => {
    const { proxy } = await echoProxy([{ kind: 'stall', timeoutMs: 100 }])
    const socket = await connect(proxy.port)
    const outcome = collect(socket)
    socket.write('lost')
    const result = await outcome
    expect(result.data.length).toBe(0)
    expect(result.closedAfterMs).toBeGreaterThanOrEqual(95)
    expect(proxy.stats().connections[0]?.end).toBe('timeout')
  })

  test('slicer delivers the same bytes in many small pieces', async () => {
    const { proxy } = await echoProxy([
      { kind: 'slicer', averageSize: 500, sizeVariation: 200, delayUs: 5000 },
    ])
    const data = payload(10_000)
    const result = await roundTrip(proxy.port, data)
    expect(sha256(result.data)).toBe(sha256(data))
    // 10 kB in ~20 pieces 5 ms apart spans ~100 ms: unsliced it arrives in one or two reads, and
    // even a reader starved by a busy machine sees it in several.
    expect(result.chunks).toBeGreaterThanOrEqual(4)
  })

  test('toxicity picks connections from the seed, the same ones every run', async () => {
    const picks: string[] = []
    for (let run = 0; run < 2; run++) {
      const { proxy } = await echoProxy([{ kind: 'outage', toxicity: 0.5 }])
      for (let i = 0; i < 20; i++) await roundTrip(proxy.port, Buffer.from('x'))
      picks.push(
        proxy
          .stats()
          .connections.map((c) => (c.end === 'refused' ? 'R' : '.'))
          .join(''),
      )
    }
    expect(picks[0]).toBe(picks[1])
    expect(picks[0]).toMatch(/R/)
    expect(picks[0]).toMatch(/\./)
  })
})
