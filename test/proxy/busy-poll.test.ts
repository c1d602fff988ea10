import type net from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { createProxy } from '../../src/proxy/index.js'
import { closeTracked, track, trackSocket } from '../helpers/cleanup.js'
import { connect, startEcho, startSink } from '../helpers/tcp.js'
import { startUdpEcho, udpClient } from '../helpers/udp.js'
import { sleep, until } from '../helpers/wait.js'

afterEach(closeTracked)

const immediates = () => process.getActiveResourcesInfo().filter((name) => name === 'Immediate').length

/** Writes one ping on an open connection; resolves with the first reply chunk. */
async function ping(socket: net.Socket): Promise<string> {
  const reply = new Promise<string>((resolve) => socket.once('data', (chunk) => resolve(chunk.toString())))
  socket.write('ping')
  return reply
}

async function proxiedEcho(busyPollUs: number): Promise<net.Socket> {
  const echo = track(await startEcho())
  const proxy = track(await createProxy({ protocol: 'tcp', target: echo.url, busyPollUs }))
  return trackSocket(await connect(proxy.port))
}

describe('busy polling after traffic', () => {
  test('keeps the loop polling for the window after traffic, then stops by itself', async () => {
    const socket = await proxiedEcho(10_000) // 10 ms: long enough to observe
    await sleep(20)
    const idle = immediates()
    expect(await ping(socket)).toBe('ping')
    expect(immediates()).toBe(idle + 1)
    await sleep(80)
    expect(immediates()).toBe(idle)
  })

  test('UDP datagrams start the polling too', async () => {
    const echo = track(await startUdpEcho())
    const proxy = track(await createProxy({ protocol: 'udp', target: echo.url, busyPollUs: 10_000 }))
    const client = track(await udpClient())
    await sleep(20)
    const idle = immediates()
    await client.send(Buffer.from('ping'), proxy.port)
    expect((await client.waitFor(1, 2000)).map(String)).toEqual(['ping'])
    expect(immediates()).toBe(idle + 1)
    await sleep(80)
    expect(immediates()).toBe(idle)
  })

  test('a one-way stream does not keep the loop polling', async () => {
    const sink = track(await startSink())
    const proxy = track(await createProxy({ protocol: 'tcp', target: sink.url, busyPollUs: 10_000 }))
    const socket = trackSocket(await connect(proxy.port))
    await sleep(20)
    const idle = immediates()
    let expected = 0
    for (let burst = 0; burst < 3; burst++) {
      socket.write(Buffer.alloc(4096, burst))
      expected += 4096
      expect(await until(() => sink.totals[0] === expected, 2000)).toBe(true)
      // Only the first chunk (the conversation's first turn) starts the window.
      if (burst > 0) expect(immediates()).toBe(idle)
      await sleep(30)
    }
  })

  test('busyPollUs 0 never polls', async () => {
    const socket = await proxiedEcho(0)
    await sleep(20)
    const idle = immediates()
    expect(await ping(socket)).toBe('ping')
    expect(immediates()).toBe(idle)
  })

  test('close() ends the polling at once', async () => {
    const echo = track(await startEcho())
    const proxy = await createProxy({ protocol: 'tcp', target: echo.url, busyPollUs: 10_000 })
    const socket = trackSocket(await connect(proxy.port))
    await sleep(20)
    const idle = immediates()
    expect(await ping(socket)).toBe('ping')
    expect(immediates()).toBe(idle + 1)
    socket.destroy()
    await proxy.close()
    expect(immediates()).toBe(idle)
  })

  test('rejects a bad window naming the field and the rule, leaving nothing open', async () => {
    const echo = track(await startEcho())
    const before = process.getActiveResourcesInfo().length
    await expect(createProxy({ protocol: 'tcp', target: echo.url, busyPollUs: -1 })).rejects.toThrow(
      'busyPollUs must be a whole number >= 0, got -1',
    )
    await expect(createProxy({ protocol: 'tcp', target: echo.url, busyPollUs: 20_000 })).rejects.toThrow(
      'busyPollUs must be at most 10000 (µs), got 20000',
    )
    expect(process.getActiveResourcesInfo().length).toBe(before)
  })
})
