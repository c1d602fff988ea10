import { afterEach, describe, expect, test } from 'vitest'
import { createProxy } from '../../src/proxy/index.js'
import { closeTracked, track } from '../helpers/cleanup.js'
import { sha256 } from '../helpers/digest.js'
import { payload } from '../helpers/payload.js'
import { collect, connect, startEcho, startSink } from '../helpers/tcp.js'
import { sleep } from '../helpers/wait.js'

afterEach(closeTracked)

/** Write `data` in 8 KiB pieces, calling `during(i)` between pieces, then end. */
async function trickle(socket: import('node:net').Socket, data: Buffer, during: (piece: number) => void) {
  const piece = 8192
  for (let i = 0; i * piece < data.length; i++) {
    during(i)
    socket.write(data.subarray(i * piece, (i + 1) * piece))
    await sleep(2)
  }
  socket.end()
}

describe('live changes', () => {
  test('adding, updating and removing impairments mid-transfer loses no byte', async () => {
    const echo = track(await startEcho())
    const proxy = track(await createProxy({ protocol: 'tcp', target: echo.url }))
    const socket = await connect(proxy.port)
    const outcome = collect(socket)
    const data = payload(512 * 1024)
    await trickle(socket, data, (i) => {
      if (i === 5) proxy.add({ kind: 'latency', ms: 30, jitterMs: 10, direction: 'both' })
      if (i === 15) proxy.add({ kind: 'bandwidth', bitsPerSecond: 20_000_000, direction: 'upstream' })
      if (i === 20) proxy.add({ kind: 'slicer', averageSize: 700, sizeVariation: 300, delayUs: 100 })
      if (i === 25) proxy.update('latency_both', { ms: 5 })
      if (i === 30) proxy.add({ kind: 'stall', direction: 'upstream' })
      if (i === 40) proxy.remove('stall_upstream')
      if (i === 45) proxy.remove('latency_both')
      if (i === 50) proxy.set([{ kind: 'latency', ms: 1 }])
      if (i === 55) proxy.clear()
    })
    const result = await outcome
    expect(result.data.length).toBe(data.length)
    expect(sha256(result.data)).toBe(sha256(data))
  })

  test('impairments given at creation hold from the first connection', async () => {
    const sink = track(await startSink())
    const proxy = track(
      await createProxy({
        protocol: 'tcp',
        target: sink.url,
        impairments: [{ kind: 'cutoff', afterBytes: 10 }],
      }),
    )
    const socket = await connect(proxy.port)
    socket.end(payload(1000))
    expect((await sink.next()).bytes).toBe(10)
  })

  test('flap cycles the outage and ends reachable', async () => {
    const echo = track(await startEcho())
    const proxy = track(await createProxy({ protocol: 'tcp', target: echo.url }))
    const start = performance.now()
    const schedule = proxy.flap({ down: 100, up: 100, cycles: 2 })
    const seen: boolean[] = []
    // Probe the middle of each window: down 0-100, up 100-200, down 200-300, up 300-400.
    for (const at of [40, 150, 240, 350]) {
      await sleep(Math.max(0, at - (performance.now() - start)))
      const socket = await connect(proxy.port)
      const outcome = collect(socket, 2000)
      socket.end('x')
      seen.push((await outcome).data.length === 1)
    }
    await schedule.done
    expect(seen).toEqual([false, true, false, true])
    expect(proxy.list()).toEqual([])
  })

  test('timeline replaces impairments at the given times; clear() cancels it', async () => {
    const echo = track(await startEcho())
    const proxy = track(await createProxy({ protocol: 'tcp', target: echo.url }))
    const schedule = proxy.timeline([
      { at: 0, set: [{ kind: 'latency', ms: 10 }] },
      { at: '50ms', set: [{ kind: 'predial', ms: 10 }] },
      { at: '10s', set: [{ kind: 'outage' }] },
    ])
    expect(proxy.list().map((h) => h.name)).toEqual(['latency_downstream'])
    await sleep(80)
    expect(proxy.list().map((h) => h.name)).toEqual(['predial'])
    proxy.clear()
    await schedule.done
    expect(proxy.list()).toEqual([])
  })

  test('close() cancels schedules and leaves no handles behind', async () => {
    const count = () => {
      const counts: Record<string, number> = {}
      for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1
      return counts
    }
    // Handles closed by earlier tests leave the list on the next loop turn.
    await sleep(20)
    const before = count()
    const echo = await startEcho()
    const proxy = await createProxy({
      protocol: 'tcp',
      target: echo.url,
      impairments: [{ kind: 'latency', ms: 200 }],
    })
    const udpProxy = await createProxy({
      protocol: 'udp',
      target: '127.0.0.1:9',
      impairments: [{ kind: 'latency', ms: 100 }],
    })
    const flap = proxy.flap({ up: '1s', down: '1s', cycles: 100 })
    const socket = await connect(proxy.port)
    const outcome = collect(socket)
    socket.write(payload(1000))
    const dgram = await import('node:dgram')
    const client = dgram.createSocket('udp4')
    await new Promise<void>((resolve) => client.send('x', udpProxy.port, '127.0.0.1', () => resolve()))
    await sleep(20)
    await Promise.all([proxy.close(), udpProxy.close()])
    await flap.done
    await outcome
    await new Promise<void>((resolve) => client.close(() => resolve()))
    await echo.close()
    await sleep(10)
    const after = count()
    const grown = Object.keys(after).filter((kind) => (after[kind] ?? 0) > (before[kind] ?? 0))
    expect(grown).toEqual([])
    expect(proxy.stats().connections.every((c) => c.end !== 'open')).toBe(true)
  })
})
