import { afterEach, describe, expect, test } from 'vitest'
import { EventBus } from '../../src/run/events.js'
import { HOST_STAMP_BYTES, startEchoServer } from '../../src/traffic/echo-server.js'
import { closeTracked, track } from '../helpers/cleanup.js'
import { sha256 } from '../helpers/digest.js'
import { payload } from '../helpers/payload.js'
import { collect, connect, roundTrip } from '../helpers/tcp.js'
import { udpClient } from '../helpers/udp.js'

afterEach(closeTracked)

/** What the server should send back for `sent`: the name over its first 64 bytes, NUL-padded by the zeros sent. */
function stamped(sent: Buffer, name: string): Buffer {
  const expected = Buffer.from(sent)
  Buffer.from(name).copy(expected, 0, 0, Math.min(name.length, HOST_STAMP_BYTES))
  return expected
}

describe('TCP echo server', () => {
  test('stamps its name into the first 64 bytes and echoes the rest byte for byte', async () => {
    const server = track(await startEchoServer({ name: 'backend-a' }))
    expect(server.url).toBe(`tcp://127.0.0.1:${server.port}`)
    const sent = Buffer.concat([Buffer.alloc(HOST_STAMP_BYTES), payload(200_000)])
    const outcome = await roundTrip(server.port, sent)
    expect(outcome.data.length).toBe(sent.length)
    expect(outcome.data.subarray(0, 10).toString()).toBe('backend-a\0')
    expect(sha256(outcome.data)).toBe(sha256(stamped(sent, 'backend-a')))
  })

  test('stamps every connection, also when the first 64 bytes come in pieces', async () => {
    const server = track(await startEchoServer({ name: 'b' }))
    const socket = await connect(server.port)
    const outcome = collect(socket)
    socket.write(Buffer.alloc(10))
    socket.write(Buffer.alloc(100))
    socket.end()
    const { data } = await outcome
    expect(data.length).toBe(110)
    expect(data[0]).toBe('b'.charCodeAt(0))
    expect(data.subarray(1).every((byte) => byte === 0)).toBe(true)
  })

  test('kill resets open connections, stop ends them in order, restart listens on the same port', async () => {
    const events = new EventBus()
    const server = track(await startEchoServer({ events }))
    const port = server.port
    const first = await connect(port)
    const killed = collect(first)
    first.write(Buffer.alloc(64))
    await new Promise((resolve) => first.once('data', resolve))
    await server.kill()
    expect((await killed).error).toBe('ECONNRESET')
    expect(server.running).toBe(false)
    await expect(connect(port)).rejects.toThrow(/ECONNREFUSED/)

    await server.restart()
    expect(server.port).toBe(port)
    const second = await connect(port)
    const stopped = collect(second)
    await server.stop()
    const outcome = await stopped
    expect(outcome.ended).toBe(true)
    expect(outcome.error).toBeUndefined()
    expect(events.between().map((e) => e.type)).toEqual([
      'echo.start',
      'echo.kill',
      'echo.restart',
      'echo.stop',
    ])
  })

  test('refuses bad options with the field, value and rule', async () => {
    await expect(startEchoServer({ transport: 'sctp' } as never)).rejects.toThrow(
      "transport must be 'tcp' or 'udp', got 'sctp'",
    )
    await expect(startEchoServer({ port: 70000 })).rejects.toThrow(
      'port must be an integer from 0 to 65535, got 70000',
    )
    await expect(startEchoServer({ nmae: 'x' } as never)).rejects.toThrow(
      "unknown field 'nmae' in echo server options; did you mean 'name'?",
    )
  })
})

describe('UDP echo server', () => {
  test('stamps its name into every datagram and echoes the rest', async () => {
    const server = track(await startEchoServer({ transport: 'udp', name: 'udp-a' }))
    expect(server.url).toBe(`udp://127.0.0.1:${server.port}`)
    const client = track(await udpClient())
    const sent = [
      Buffer.concat([Buffer.alloc(64), payload(500, 1)]),
      Buffer.concat([Buffer.alloc(64), payload(900, 2)]),
    ]
    for (const datagram of sent) await client.send(datagram, server.port)
    const received = await client.waitFor(2, 5000)
    expect(received.map(sha256).sort()).toEqual(sent.map((d) => sha256(stamped(d, 'udp-a'))).sort())
  })
})
