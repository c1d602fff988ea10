import type net from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import type { ControlServer } from '../../src/proxy/control/http.js'
import { startLabControl } from '../../src/proxy/control/lab.js'
import { createProxy } from '../../src/proxy/index.js'
import type { ImpairmentProxy } from '../../src/proxy/types.js'
import { closeTracked, track, trackSocket } from '../helpers/cleanup.js'
import { sha256 } from '../helpers/digest.js'
import { payload } from '../helpers/payload.js'
import { collect, connect, type SinkServer, startEcho, startSink } from '../helpers/tcp.js'
import { startUdpEcho, udpClient } from '../helpers/udp.js'
import { sleep, until } from '../helpers/wait.js'

afterEach(closeTracked)

/** A proxy to `target` with the lab control API on 127.0.0.1; both closed after the test. */
async function lab(
  target: { url: string },
  protocol: 'tcp' | 'udp' = 'tcp',
): Promise<{ proxy: ImpairmentProxy; control: ControlServer }> {
  const proxy = track(await createProxy({ protocol, target: target.url }))
  const control = track(await startLabControl(proxy, { host: '127.0.0.1', port: 0 }))
  return { proxy, control }
}

async function call(control: ControlServer, method: string, path: string, body?: string) {
  const res = await fetch(`${control.url}${path}`, { method, ...(body === undefined ? {} : { body }) })
  const text = await res.text()
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    json: text ? JSON.parse(text) : undefined,
  }
}

function client(port: number): Promise<net.Socket> {
  return connect(port).then(trackSocket)
}

/** Waits until the proxy has no open connection, so the last connection's figures are final. */
async function settled(control: ControlServer) {
  for (let i = 0; i < 100; i++) {
    const { json } = await call(control, 'GET', '/stats')
    if (json.active_conn === 0) return json
    await sleep(20)
  }
  throw new Error('connections still open after 2 s')
}

describe('lab control API', () => {
  test('clean mode forwards everything and GET /stats answers the lab schema', async () => {
    const sink: SinkServer = track(await startSink())
    const { proxy, control } = await lab(sink)
    const data = payload(4096)
    const socket = await client(proxy.port)
    socket.end(data)
    const received = await sink.next()
    expect(received).toMatchObject({ bytes: 4096, sha256: sha256(data) })
    const stats = await settled(control)
    expect(Object.keys(stats).sort()).toEqual(
      ['active_conn', 'bytes_fwd', 'conn_accepted', 'conn_dropped', 'last_conn_bytes', 'last_conn_ms'].sort(),
    )
    expect(stats).toMatchObject({ bytes_fwd: 4096, conn_accepted: 1, conn_dropped: 0, active_conn: 0 })
    expect(stats.last_conn_bytes).toBeGreaterThanOrEqual(4096)
  })

  test('drop mode closes every new connection; clean brings the target back', async () => {
    const echo = track(await startEcho())
    const { proxy, control } = await lab(echo)
    expect(await call(control, 'PUT', '/mode', '{"mode":"drop"}')).toMatchObject({
      status: 200,
      json: { mode: 'drop', value: 0 },
    })
    const dropped = await client(proxy.port)
    dropped.write('hello')
    const outcome = await collect(dropped, 5000)
    expect(outcome.data.length).toBe(0)
    expect((await settled(control)).conn_dropped).toBe(1)

    await call(control, 'PUT', '/mode', '{"mode":"clean"}')
    const socket = await client(proxy.port)
    socket.end('hello')
    expect((await collect(socket)).data.toString()).toBe('hello')
  })

  test('cutoff mode closes the connection after N bytes client -> target', async () => {
    const sink = track(await startSink())
    const { proxy, control } = await lab(sink)
    expect((await call(control, 'PUT', '/mode', '{"mode":"cutoff","value":500}')).status).toBe(200)
    const socket = await client(proxy.port)
    socket.write(payload(4096))
    const outcome = await collect(socket, 5000)
    const received = await sink.next()
    expect(received.bytes).toBe(500)
    expect(outcome.data.length).toBe(0)
    const stats = await settled(control)
    expect(stats.bytes_fwd).toBe(500)
    expect(stats.conn_dropped).toBe(1)
  })

  test('delay mode waits before dialling the target', async () => {
    const echo = track(await startEcho())
    const { proxy, control } = await lab(echo)
    expect((await call(control, 'PUT', '/mode', '{"mode":"delay","ms":200}')).json).toEqual({
      mode: 'delay',
      value: 200,
    })
    const socket = await client(proxy.port)
    expect(echo.sockets.size).toBe(0)
    const started = performance.now()
    socket.end('ping')
    const outcome = await collect(socket)
    expect(outcome.data.toString()).toBe('ping')
    expect(performance.now() - started).toBeGreaterThanOrEqual(190)
  })

  test('bandwidth mode limits client -> target to the bits per second asked', async () => {
    const sink = track(await startSink())
    const { proxy, control } = await lab(sink)
    // 32 KiB at 512 kbit/s needs at least 0.51 s.
    expect((await call(control, 'PUT', '/mode', '{"mode":"bandwidth","value":512000}')).status).toBe(200)
    const data = payload(32 * 1024)
    const socket = await client(proxy.port)
    const started = performance.now()
    socket.end(data)
    const received = await sink.next()
    const elapsed = performance.now() - started
    expect(received).toMatchObject({ bytes: data.length, sha256: sha256(data) })
    expect(elapsed).toBeGreaterThanOrEqual(480)
    const stats = await settled(control)
    expect(stats.bytes_fwd).toBe(data.length)
  })

  test('POST /reset zeroes the counters', async () => {
    const echo = track(await startEcho())
    const { proxy, control } = await lab(echo)
    const socket = await client(proxy.port)
    socket.end('abc')
    await collect(socket)
    expect((await settled(control)).bytes_fwd).toBe(3)
    const reset = await call(control, 'POST', '/reset')
    expect(reset.status).toBe(200)
    expect(reset.json).toEqual({
      bytes_fwd: 0,
      conn_accepted: 0,
      conn_dropped: 0,
      active_conn: 0,
      last_conn_bytes: 0,
      last_conn_ms: 0,
    })
    expect((await call(control, 'GET', '/stats')).json.conn_accepted).toBe(0)
  })

  test('bad requests get a 4xx JSON error and leave the mode as it was', async () => {
    const echo = track(await startEcho())
    const { proxy, control } = await lab(echo)
    await call(control, 'PUT', '/mode', '{"mode":"delay","value":50}')
    const bad: [string, string | undefined, number, RegExp][] = [
      ['/mode', '{"mode":', 400, /invalid JSON/],
      ['/mode', undefined, 400, /must be a JSON object/],
      [
        '/mode',
        '{"mode":"flood"}',
        400,
        /mode must be one of clean, drop, bandwidth, delay, cutoff, got "flood"/,
      ],
      ['/mode', '{"mode":"bandwidth"}', 400, /needs exactly one value/],
      ['/mode', '{"mode":"bandwidth","value":0}', 400, /must be an integer >= 1/],
      ['/mode', '{"mode":"cutoff","value":-1}', 400, /must be an integer >= 0/],
      ['/mode', '{"mode":"delay","value":1.5}', 400, /must be an integer/],
      ['/mode', '{"mode":"clean","value":3}', 400, /takes no value/],
      ['/mode', '{"mode":"delay","bytes":3}', 400, /not bytes/],
      ['/mode', '{"mode":"clean","extra":1}', 400, /unknown field "extra"/],
    ]
    for (const [path, body, status, message] of bad) {
      const res = await call(control, 'PUT', path, body)
      expect(res.status, body).toBe(status)
      expect(res.type).toMatch(/application\/json/)
      expect(res.json.error).toMatch(message)
      expect(res.json.status).toBe(status)
    }
    expect((await call(control, 'DELETE', '/stats')).status).toBe(405)
    expect((await call(control, 'GET', '/nowhere')).status).toBe(404)
    expect((await call(control, 'GET', '/mode')).json).toEqual({ mode: 'delay', value: 50 })
    expect(proxy.list().map((h) => h.impairment.kind)).toEqual(['predial'])
  })

  test('a mode the proxy cannot carry (cutoff on UDP) is a 400', async () => {
    const { proxy, control } = await lab(track(await startUdpEcho()), 'udp')
    const res = await call(control, 'PUT', '/mode', '{"mode":"cutoff","value":10}')
    expect(res.status).toBe(400)
    expect(res.json.error).toMatch(/^mode cutoff: /)
    expect((await call(control, 'GET', '/mode')).json).toEqual({ mode: 'clean', value: 0 })
    expect(proxy.list()).toEqual([])
  })

  test('drop on a UDP proxy blackholes datagrams; clean brings them back', async () => {
    const { proxy, control } = await lab(track(await startUdpEcho()), 'udp')
    const udp = track(await udpClient())
    expect(await call(control, 'PUT', '/mode', '{"mode":"drop"}')).toMatchObject({
      status: 200,
      json: { mode: 'drop', value: 0 },
    })
    expect(proxy.list().map((h) => h.impairment)).toMatchObject([{ kind: 'outage', mode: 'blackhole' }])
    for (let i = 0; i < 5; i++) await udp.send(Buffer.from(`lost ${i}`), proxy.port)
    expect(await until(() => proxy.stats().packetsDropped === 5, 2000)).toBe(true)
    expect(udp.received).toEqual([])
    await call(control, 'PUT', '/mode', '{"mode":"clean"}')
    await udp.send(Buffer.from('back'), proxy.port)
    expect((await udp.waitFor(1, 2000)).map(String)).toEqual(['back'])
  })

  test('errors name the mode and the request field, not internal ones', async () => {
    const { control } = await lab(track(await startUdpEcho()), 'udp')
    const bad: [string, string][] = [
      ['{"mode":"bandwidth","bps":4}', 'mode bandwidth: bps must be at least 8 (bits per second), got 4'],
      ['{"mode":"bandwidth","value":4}', 'mode bandwidth: value must be at least 8 (bits per second), got 4'],
      [
        '{"mode":"delay","value":10}',
        'mode delay: not available on a udp proxy; it takes clean, drop, bandwidth',
      ],
    ]
    for (const [body, message] of bad) {
      const res = await call(control, 'PUT', '/mode', body)
      expect(res.status, body).toBe(400)
      expect(res.json.error).toBe(message)
    }
    const tcpEcho = track(await startEcho())
    const { control: tcpControl } = await lab(tcpEcho)
    const long = await call(tcpControl, 'PUT', '/mode', '{"mode":"delay","ms":3000000000}')
    expect(long.status).toBe(400)
    expect(long.json.error).toMatch(/^mode delay: ms must be at most 2147483647 ms .*got 3000000000$/)
  })

  test('PUT /mode also takes its fields as a query string', async () => {
    const echo = track(await startEcho())
    const { proxy, control } = await lab(echo)
    expect((await call(control, 'PUT', '/mode?mode=cutoff&value=10')).json).toEqual({
      mode: 'cutoff',
      value: 10,
    })
    expect(proxy.list().map((h) => h.impairment)).toMatchObject([
      { kind: 'cutoff', afterBytes: 10, direction: 'upstream' },
    ])
  })
})
