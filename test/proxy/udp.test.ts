import dgram from 'node:dgram'
import { afterEach, describe, expect, test } from 'vitest'
import { createProxy, type Impairment } from '../../src/proxy/index.js'
import { closeTracked, track } from '../helpers/cleanup.js'
import { startUdpEcho, type UdpClient, udpClient } from '../helpers/udp.js'
import { sleep, until } from '../helpers/wait.js'

afterEach(closeTracked)

async function udpSetup(impairments: Impairment[] = [], seed?: number) {
  const echo = track(await startUdpEcho('quic'))
  const proxy = track(await createProxy({ protocol: 'udp', target: echo.url, impairments, seed }))
  const client = track(await udpClient())
  return { echo, proxy, client }
}

/** Send `count` numbered datagrams, paced, and return the numbers that came back, in arrival order. */
async function exchange(client: UdpClient, port: number, count: number, waitMs = 300): Promise<number[]> {
  for (let i = 0; i < count; i++) {
    const datagram = Buffer.alloc(64)
    datagram.writeUInt32BE(i, 0)
    await client.send(datagram, port)
    if (i % 20 === 19) await sleep(1)
  }
  await client.waitFor(count, waitMs)
  await sleep(30)
  return client.received.map((d) => d.readUInt32BE(0))
}

describe('udp proxy', () => {
  test('keeps the quic:// scheme and gives each client its own upstream socket', async () => {
    const { proxy, echo, client } = await udpSetup()
    expect(proxy.url).toBe(`quic://127.0.0.1:${proxy.port}`)
    const other = track(await udpClient())
    await client.send(Buffer.from('a'), proxy.port)
    await other.send(Buffer.from('b'), proxy.port)
    expect((await client.waitFor(1, 1000))[0]?.toString()).toBe('a')
    expect((await other.waitFor(1, 1000))[0]?.toString()).toBe('b')
    expect(echo.peers.size).toBe(2)
    const stats = proxy.stats()
    expect(stats).toMatchObject({ connAccepted: 2, activeConn: 2, packetsIn: 4, packetsOut: 4, bytesFwd: 2 })
  })

  test('a clean proxy passes a burst of large datagrams without losing one', async () => {
    // A target socket with room for the whole burst, so any loss would be the proxy's own.
    const target = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 })
    let received = 0
    target.on('message', () => {
      received++
    })
    await new Promise<void>((resolve) => target.bind(0, '127.0.0.1', resolve))
    track({ close: () => new Promise<void>((resolve) => target.close(() => resolve())) })
    const proxy = track(
      await createProxy({ protocol: 'udp', target: `udp://127.0.0.1:${target.address().port}` }),
    )
    const client = track(await udpClient())
    // 120 datagrams of 16 KiB (a QUIC congestion window on loopback) sent at once: ~2 MB, ten
    // times the kernel's default socket buffer.
    const datagram = Buffer.alloc(16 * 1024, 5)
    await Promise.all(Array.from({ length: 120 }, () => client.send(datagram, proxy.port)))
    expect(await until(() => received === 120, 3000)).toBe(true)
    expect(proxy.stats().packetsDropped).toBe(0)
  })

  test('refuses a tcp:// target and a refuse outage', async () => {
    await expect(createProxy({ protocol: 'udp', target: 'tcp://127.0.0.1:9' })).rejects.toThrow(
      /target must be/,
    )
    const echo = track(await startUdpEcho())
    await expect(
      createProxy({ protocol: 'udp', target: echo.url, impairments: [{ kind: 'outage', mode: 'refuse' }] }),
    ).rejects.toThrow('outage.mode must be \'blackhole\' on a udp proxy, got "refuse"')
  })

  test('loss drops about rate of the datagrams, and the same ones for the same seed', async () => {
    const runs: number[][] = []
    for (let run = 0; run < 2; run++) {
      const { proxy, client } = await udpSetup([{ kind: 'loss', rate: 0.2, direction: 'upstream' }], 42)
      runs.push(await exchange(client, proxy.port, 200))
      expect(proxy.stats().packetsDropped).toBe(200 - (runs[run] as number[]).length)
    }
    const [first, second] = runs as [number[], number[]]
    expect(first.length).toBeGreaterThan(130)
    expect(first.length).toBeLessThan(190)
    expect(second).toEqual(first)
  })

  test('a different seed drops different datagrams', async () => {
    const a = await udpSetup([{ kind: 'loss', rate: 0.3 }], 1)
    const b = await udpSetup([{ kind: 'loss', rate: 0.3 }], 2)
    const gotA = await exchange(a.client, a.proxy.port, 100)
    const gotB = await exchange(b.client, b.proxy.port, 100)
    expect(gotA).not.toEqual(gotB)
  })

  test('gilbert-elliott loss drops in bursts', async () => {
    const { proxy, client } = await udpSetup([
      { kind: 'loss', rate: 0.2, model: 'gilbert-elliott', burstLength: 8 },
    ])
    const got = new Set(await exchange(client, proxy.port, 400, 500))
    let runs = 0
    for (let i = 0; i < 400; i++) if (!got.has(i) && got.has(i - 1)) runs++
    const lost = 400 - got.size
    expect(lost).toBeGreaterThan(20)
    // Bursty loss: far fewer separate gaps than lost datagrams.
    expect(runs).toBeLessThan(lost / 2)
  })

  test('latency delays each datagram by at least ms', async () => {
    const { proxy, client } = await udpSetup([{ kind: 'latency', ms: 40 }])
    const start = performance.now()
    await client.send(Buffer.from('t'), proxy.port)
    await client.waitFor(1, 1000)
    expect(performance.now() - start).toBeGreaterThanOrEqual(39)
  })

  test('reorder lets later datagrams overtake held ones', async () => {
    const { proxy, client } = await udpSetup([{ kind: 'reorder', rate: 0.2, delayMs: 20 }])
    const got = await exchange(client, proxy.port, 100)
    expect(got.length).toBe(100)
    expect(got).not.toEqual([...got].sort((x, y) => x - y))
    expect(proxy.stats().packetsReordered).toBeGreaterThan(5)
  })

  test('duplicate sends a fraction twice', async () => {
    const { proxy, client } = await udpSetup([{ kind: 'duplicate', rate: 0.5 }])
    const got = await exchange(client, proxy.port, 100)
    const duplicated = proxy.stats().packetsDuplicated
    expect(duplicated).toBeGreaterThan(25)
    expect(got.length).toBe(100 + duplicated)
  })

  test('corrupt flips a bit in a fraction of datagrams', async () => {
    const { proxy, client } = await udpSetup([{ kind: 'corrupt', rate: 1 }])
    const sent = Buffer.alloc(32, 0)
    await client.send(sent, proxy.port)
    const [back] = await client.waitFor(1, 1000)
    let bits = 0
    for (const byte of back as Buffer) bits += byte.toString(2).replace(/0/g, '').length
    expect(bits).toBe(1)
    expect(proxy.stats().packetsCorrupted).toBe(1)
  })

  test('bandwidth paces datagrams and tail-drops beyond the queue', async () => {
    const { proxy, client } = await udpSetup([
      { kind: 'bandwidth', bitsPerSecond: 800_000, queueBytes: 10_000 },
    ])
    const start = performance.now()
    for (let i = 0; i < 20; i++) await client.send(Buffer.alloc(1000, i), proxy.port)
    const got = await client.waitFor(20, 1000)
    // 10 kB queue at 100 kB/s: about ten 1000-byte datagrams pass, spread over >= 90 ms.
    expect(got.length).toBeGreaterThanOrEqual(9)
    expect(got.length).toBeLessThanOrEqual(12)
    expect(proxy.stats().packetsDropped).toBe(20 - got.length)
    expect(performance.now() - start).toBeGreaterThanOrEqual(85)
  })

  test('outage blackholes datagrams while on, and traffic resumes after', async () => {
    const { proxy, client } = await udpSetup([{ kind: 'outage' }])
    await client.send(Buffer.from('lost'), proxy.port)
    expect((await client.waitFor(1, 100)).length).toBe(0)
    proxy.clear()
    await client.send(Buffer.from('back'), proxy.port)
    expect((await client.waitFor(1, 1000))[0]?.toString()).toBe('back')
    expect(proxy.stats().packetsDropped).toBe(1)
  })
})
