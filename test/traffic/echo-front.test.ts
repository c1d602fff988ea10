import { afterEach, expect, test } from 'vitest'
import { startEchoFront } from '../../src/traffic/echo-front.js'
import { startEchoServer } from '../../src/traffic/echo-server.js'
import { closeTracked, track } from '../helpers/cleanup.js'
import { collect, connect, roundTrip } from '../helpers/tcp.js'
import { udpClient } from '../helpers/udp.js'

afterEach(closeTracked)

test('a TCP front deals connections round robin and skips a killed backend', async () => {
  const a = track(await startEchoServer({ name: 'a' }))
  const b = track(await startEchoServer({ name: 'b' }))
  const front = track(await startEchoFront([a, b]))
  expect(front.url).toBe(`tcp://127.0.0.1:${front.port}`)
  const hosts: string[] = []
  for (let i = 0; i < 3; i++) {
    const { data } = await roundTrip(front.port, Buffer.alloc(64))
    hosts.push(data.subarray(0, 1).toString())
  }
  expect(hosts).toEqual(['a', 'b', 'a'])
  // A connection held on b is reset when b dies; the next ones all go to a.
  const held = await connect(front.port)
  const outcome = collect(held)
  held.write(Buffer.alloc(64))
  await new Promise((resolve) => held.once('data', resolve))
  expect(b.connections).toBe(1)
  await b.kill()
  expect((await outcome).error).toBe('ECONNRESET')
  for (let i = 0; i < 2; i++) {
    const { data } = await roundTrip(front.port, Buffer.alloc(64))
    expect(data.subarray(0, 1).toString()).toBe('a')
  }
  expect(front.assigned).toEqual({ [a.url]: 4, [b.url]: 2 })
})

test('a UDP front keeps a flow on its backend and moves it when the backend dies', async () => {
  const a = track(await startEchoServer({ transport: 'udp', name: 'a' }))
  const b = track(await startEchoServer({ transport: 'udp', name: 'b' }))
  const front = track(await startEchoFront([a, b]))
  expect(front.url).toBe(`udp://127.0.0.1:${front.port}`)
  const client = track(await udpClient())
  await client.send(Buffer.alloc(64), front.port)
  await client.send(Buffer.alloc(64), front.port)
  const first = await client.waitFor(2, 5000)
  expect(first.map((d) => d.subarray(0, 1).toString())).toEqual(['a', 'a'])
  await a.kill()
  await client.send(Buffer.alloc(64), front.port)
  const after = await client.waitFor(3, 5000)
  expect(after[2]?.subarray(0, 1).toString()).toBe('b')
})

test('a front refuses mixed or missing backends', async () => {
  const tcp = track(await startEchoServer())
  const udp = track(await startEchoServer({ transport: 'udp' }))
  await expect(startEchoFront([])).rejects.toThrow(
    'backends must be a non-empty array of echo servers, got []',
  )
  await expect(startEchoFront([tcp, udp])).rejects.toThrow(
    "backends[1].transport must be 'tcp' like backends[0], got 'udp'",
  )
})
