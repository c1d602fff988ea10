import type net from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { createProxy } from '../../src/proxy/index.js'
import {
  connect,
  sleep,
  startEcho,
  startSink,
  startUdpEcho,
  type TestServer,
  udpClient,
  until,
} from './servers.js'

const open: { close(): Promise<void> }[] = []
const sockets: net.Socket[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  await Promise.all(open.splice(0).map((thing) => thing.close()))
})

const immediates = () => process.getActiveResourcesInfo().filter((name) => name === 'Immediate').length

/** One echoed round trip through the proxy; resolves as the reply arrives. */
async function roundTrip(socket: net.Socket): Promise<string> {
  const reply = new Promise<string>((resolve) => socket.once('data', (chunk) => resolve(chunk.toString())))
  socket.write('ping')
  return reply
}

async function proxiedEcho(busyPollUs: number): Promise<net.Socket> {
  const echo: TestServer = await startEcho()
  open.push(echo)
  const proxy = await createProxy({ protocol: 'tcp', target: echo.url, busyPollUs })
  open.push(proxy)
  const socket = await connect(proxy.port)
  sockets.push(socket)
  return socket
}

describe('busy polling after traffic', () => {
  test('keeps the loop polling for the window after traffic, then stops by itself', async () => {
    const socket = await proxiedEcho(10_000) // 10 ms: long enough to observe
    await sleep(20)
    const idle = immediates()
    expect(await roundTrip(socket)).toBe('ping')
    expect(immediates()).toBe(idle + 1)
    await sleep(80)
    expect(immediates()).toBe(idle)
  })

  test('UDP datagrams start the polling too', async () => {
    const echo = await startUdpEcho()
    open.push(echo)
    const proxy = await createProxy({ protocol: 'udp', target: echo.url, busyPollUs: 10_000 })
    open.push(proxy)
    const client = await udpClient()
    open.push(client)
    await sleep(20)
    const idle = immediates()
    await client.send(Buffer.from('ping'), proxy.port)
    expect((await client.waitFor(1, 2000)).map(String)).toEqual(['ping'])
    expect(immediates()).toBe(idle + 1)
    await sleep(80)
    expect(immediates()).toBe(idle)
  })

  test('a one-way stream does not keep the loop polling', async () => {
    const sink = await startSink()
    open.push(sink)
    const proxy = await createProxy({ protocol: 'tcp', target: sink.url, busyPollUs: 10_000 })
    open.push(proxy)
    const socket = await connect(proxy.port)
    sockets.push(socket)
    await sleep(20)
    const idle = immediates()
    let expected = 0
    for (let burst = 0; burst < 3; burst++) {
      socket.write(Buffer.alloc(4096, burst))
      expected += 4096
      expect(await until(() => sink.totals[0] === expected)).toBe(true)
      // Only the first chunk (the conversation's first turn) starts the window.
      if (burst > 0) expect(immediates()).toBe(idle)
      await sleep(30)
    }
  })

  test('busyPollUs 0 never polls', async () => {
    const socket = await proxiedEcho(0)
    await sleep(20)
    const idle = immediates()
    expect(await roundTrip(socket)).toBe('ping')
    expect(immediates()).toBe(idle)
  })

  test('close() ends the polling at once', async () => {
    const echo = await startEcho()
    open.push(echo)
    const proxy = await createProxy({ protocol: 'tcp', target: echo.url, busyPollUs: 10_000 })
    const socket = await connect(proxy.port)
    sockets.push(socket)
    await sleep(20)
    const idle = immediates()
    expect(await roundTrip(socket)).toBe('ping')
    expect(immediates()).toBe(idle + 1)
    socket.destroy()
    await proxy.close()
    expect(immediates()).toBe(idle)
  })

  test('rejects a bad window naming the field and the rule, leaving nothing open', async () => {
    const echo = await startEcho()
    open.push(echo)
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
