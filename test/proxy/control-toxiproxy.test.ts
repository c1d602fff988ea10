import http from 'node:http'
import { Toxiproxy } from 'toxiproxy-node-client'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { ControlServer } from '../../src/proxy/control/http.js'
import { startControlServer } from '../../src/proxy/control/toxiproxy.js'
import { closeTracked, track, trackSocket } from '../helpers/cleanup.js'
import { sha256 } from '../helpers/digest.js'
import { payload } from '../helpers/payload.js'
import { collect, connect, roundTrip, startEcho, startSink, type TestServer } from '../helpers/tcp.js'
import { sleep } from '../helpers/wait.js'

let api: ControlServer
let echo: TestServer
let toxiproxy: Toxiproxy

beforeEach(async () => {
  echo = track(await startEcho())
  api = track(await startControlServer({ host: '127.0.0.1', port: 0 }))
  toxiproxy = new Toxiproxy(api.url)
})

afterEach(closeTracked)

/** Creates proxy `name` on 127.0.0.1:0 in front of `upstreamPort` (the echo server unless given). */
function proxyTo(name: string, upstreamPort = echo.port) {
  return toxiproxy.createProxy({ name, listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstreamPort}` })
}

function portOf(listen: string): number {
  return Number(listen.slice(listen.lastIndexOf(':') + 1))
}

async function raw(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${api.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) })
  const text = await res.text()
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    json: text ? JSON.parse(text) : undefined,
  }
}

describe('toxiproxy-compatible API, driven by toxiproxy-node-client', () => {
  test('url has no trailing slash; /version answers', async () => {
    expect(api.url).toBe(`http://127.0.0.1:${api.port}`)
    expect(JSON.parse(await toxiproxy.getVersion())).toHaveProperty('version')
  })

  test('a proxy created on 127.0.0.1:0 answers with the port it bound and carries bytes intact', async () => {
    const proxy = await proxyTo('echo')
    expect(proxy.listen).toMatch(/^127\.0\.0\.1:\d+$/)
    expect(portOf(proxy.listen)).toBeGreaterThan(0)
    expect(proxy.enabled).toBe(true)
    const data = payload(256 * 1024)
    const outcome = await roundTrip(portOf(proxy.listen), data)
    expect(outcome.data.length).toBe(data.length)
    expect(sha256(outcome.data)).toBe(sha256(data))
    const all = await toxiproxy.getAll()
    expect(Object.keys(all)).toEqual(['echo'])
    expect(all.echo!.listen).toBe(proxy.listen)
  })

  test('limit_data closes after exactly `bytes`; updating the toxic changes the limit', async () => {
    const proxy = await proxyTo('limited')
    const toxic = await proxy.addToxic({
      name: 'cap',
      type: 'limit_data',
      stream: 'downstream',
      toxicity: 1,
      attributes: { bytes: 1000 },
    })
    expect(toxic.toJson()).toEqual({
      name: 'cap',
      type: 'limit_data',
      stream: 'downstream',
      toxicity: 1,
      attributes: { bytes: 1000 },
    })
    expect((await roundTrip(portOf(proxy.listen), payload(4000))).data.length).toBe(1000)

    const updated = await toxic.update({ ...toxic.toJson(), attributes: { bytes: 2500 } })
    expect(updated.attributes).toEqual({ bytes: 2500 })
    expect((await roundTrip(portOf(proxy.listen), payload(4000))).data.length).toBe(2500)

    await toxic.remove()
    expect((await roundTrip(portOf(proxy.listen), payload(4000))).data.length).toBe(4000)
    expect((await toxiproxy.get('limited')).toJson()).toMatchObject({ name: 'limited', enabled: true })
  })

  test('latency delays the echo by at least the latency; toxics list upstream first', async () => {
    const proxy = await proxyTo('slow')
    await proxy.addToxic({
      name: 'down',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 120, jitter: 0 },
    })
    await proxy.addToxic({
      name: 'up',
      type: 'latency',
      stream: 'upstream',
      toxicity: 1,
      attributes: { latency: 80, jitter: 0 },
    })
    const list = await raw('GET', '/proxies/slow/toxics')
    expect(list.json.map((t: { name: string }) => t.name)).toEqual(['up', 'down'])
    const started = performance.now()
    const outcome = await roundTrip(portOf(proxy.listen), 'ping')
    expect(outcome.data.toString()).toBe('ping')
    expect(performance.now() - started).toBeGreaterThanOrEqual(190)
  })

  test('bandwidth rate is KB/s: 40 KB at 100 KB/s takes at least 0.4 s', async () => {
    const sink = track(await startSink())
    const proxy = await proxyTo('narrow', sink.port)
    await proxy.addToxic({
      name: 'bw',
      type: 'bandwidth',
      stream: 'upstream',
      toxicity: 1,
      attributes: { rate: 100 },
    })
    const data = payload(40_000)
    const socket = trackSocket(await connect(portOf(proxy.listen)))
    const started = performance.now()
    socket.end(data)
    const received = await sink.next()
    expect(received).toMatchObject({ bytes: 40_000, sha256: sha256(data) })
    expect(performance.now() - started).toBeGreaterThanOrEqual(380)
  })

  test('timeout 0 passes nothing; removing the toxic closes the connection and drops what it held', async () => {
    const proxy = await proxyTo('held')
    const toxic = await proxy.addToxic({
      name: 'stall',
      type: 'timeout',
      stream: 'downstream',
      toxicity: 1,
      attributes: { timeout: 0 },
    })
    const socket = trackSocket(await connect(portOf(proxy.listen)))
    const outcome = collect(socket)
    socket.write('held back')
    await sleep(100)
    expect(socket.destroyed).toBe(false)
    await toxic.remove()
    const result = await outcome
    expect(result.data.toString()).toBe('')
    expect(result.ended).toBe(true)
  })

  test('reset_peer resets the connection', async () => {
    const proxy = await proxyTo('rst')
    await proxy.addToxic({
      name: 'rst',
      type: 'reset_peer',
      stream: 'upstream',
      toxicity: 1,
      attributes: { timeout: 0 },
    })
    const outcome = await roundTrip(portOf(proxy.listen), 'doomed')
    expect(outcome.data.length).toBe(0)
    expect(outcome.error).toBe('ECONNRESET')
  })

  test('slicer delivers the bytes intact in many pieces', async () => {
    const proxy = await proxyTo('sliced')
    await proxy.addToxic({
      name: 'slices',
      type: 'slicer',
      stream: 'downstream',
      toxicity: 1,
      attributes: { average_size: 200, size_variation: 50, delay: 2000 },
    })
    const data = payload(8000)
    const outcome = await roundTrip(portOf(proxy.listen), data)
    expect(sha256(outcome.data)).toBe(sha256(data))
    expect(outcome.chunks).toBeGreaterThan(5)
  })

  test('disabling closes the listener; enabling reopens the same port', async () => {
    const proxy = await proxyTo('flip')
    const port = portOf(proxy.listen)
    const disabled = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream })
    expect(disabled.enabled).toBe(false)
    await expect(connect(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    const enabled = await disabled.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream })
    expect(enabled.enabled).toBe(true)
    expect(enabled.listen).toBe(proxy.listen)
    expect((await roundTrip(port, 'back')).data.toString()).toBe('back')
  })

  test('PATCH to a new upstream keeps the port and the toxics', async () => {
    const sink = track(await startSink())
    const proxy = await proxyTo('moved')
    await proxy.addToxic({
      name: 'cap',
      type: 'limit_data',
      stream: 'upstream',
      toxicity: 1,
      attributes: { bytes: 100 },
    })
    const moved = await raw('PATCH', '/proxies/moved', JSON.stringify({ upstream: `127.0.0.1:${sink.port}` }))
    expect(moved.json).toMatchObject({
      listen: proxy.listen,
      upstream: `127.0.0.1:${sink.port}`,
      enabled: true,
    })
    expect(moved.json.toxics).toHaveLength(1)
    await roundTrip(portOf(proxy.listen), payload(1000))
    expect((await sink.next()).bytes).toBe(100)
  })

  test('reset() (POST /reset, no body, no content type) enables every proxy and removes every toxic', async () => {
    const proxy = await proxyTo('r')
    await proxy.addToxic({
      name: 'cap',
      type: 'limit_data',
      stream: 'downstream',
      toxicity: 1,
      attributes: { bytes: 1 },
    })
    await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream })
    await toxiproxy.reset()
    // The same request without the client: no body, no content type.
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${api.url}/reset`, { method: 'POST' }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.end()
    })
    expect(status).toBe(204)
    const after = await raw('GET', '/proxies/r')
    expect(after.json).toMatchObject({ enabled: true, toxics: [] })
    expect((await roundTrip(portOf(proxy.listen), 'whole')).data.toString()).toBe('whole')
  })

  test('populate creates several proxies and keeps an unchanged one with its toxics', async () => {
    const upstream = `127.0.0.1:${echo.port}`
    const first = await toxiproxy.populate([
      { name: 'a', listen: '127.0.0.1:0', upstream },
      { name: 'b', listen: '127.0.0.1:0', upstream, enabled: false },
    ])
    expect(first.a!.enabled).toBe(true)
    expect(first.b!.enabled).toBe(false)
    await first.a!.addToxic({
      name: 'cap',
      type: 'limit_data',
      stream: 'downstream',
      toxicity: 1,
      attributes: { bytes: 3 },
    })
    const second = await raw(
      'POST',
      '/populate',
      JSON.stringify([{ name: 'a', listen: first.a!.listen, upstream }]),
    )
    expect(second.status).toBe(201)
    expect(second.json.proxies[0]).toMatchObject({
      name: 'a',
      listen: first.a!.listen,
      toxics: [{ name: 'cap' }],
    })
    expect((await roundTrip(portOf(first.a!.listen), 'abcdef')).data.toString()).toBe('abc')
  })

  test('deleting a proxy closes it; it is then 404 with a JSON error', async () => {
    const proxy = await proxyTo('gone')
    await proxy.remove()
    await expect(connect(portOf(proxy.listen))).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    await expect(toxiproxy.get('gone')).rejects.toThrow(/404/)
    expect(await raw('GET', '/proxies/gone')).toMatchObject({
      status: 404,
      json: { error: 'proxy not found', status: 404 },
    })
  })

  test('bad input gets a 4xx JSON error and changes nothing', async () => {
    const upstream = `127.0.0.1:${echo.port}`
    const created = await raw(
      'POST',
      '/proxies',
      JSON.stringify({ name: 'keep', listen: '127.0.0.1:0', upstream }),
    )
    expect(created.status).toBe(201)
    await raw(
      'POST',
      '/proxies/keep/toxics',
      JSON.stringify({ type: 'limit_data', attributes: { bytes: 5 } }),
    )
    const before = await raw('GET', '/proxies')
    expect(before.json.keep.toxics).toEqual([
      {
        name: 'limit_data_downstream',
        type: 'limit_data',
        stream: 'downstream',
        toxicity: 1,
        attributes: { bytes: 5 },
      },
    ])

    // Only what toxiproxy itself refuses, with its status codes and texts.
    const cases: [string, string, string | undefined, number, RegExp][] = [
      ['POST', '/proxies', '{"name":', 400, /^bad request body: /],
      ['POST', '/proxies', '', 400, /^bad request body: EOF$/],
      ['POST', '/proxies', '[]', 400, /cannot unmarshal array into Go value of type toxiproxy.Proxy/],
      ['POST', '/proxies', JSON.stringify({ upstream }), 400, /^missing required field: name$/],
      ['POST', '/proxies', JSON.stringify({ name: 'x' }), 400, /^missing required field: upstream$/],
      [
        'POST',
        '/proxies',
        JSON.stringify({ name: 'x', upstream, enabled: 'yes' }),
        400,
        /cannot unmarshal string into Go struct field Proxy.enabled of type bool/,
      ],
      ['POST', '/proxies', JSON.stringify({ name: 'keep', upstream }), 409, /^proxy already exists$/],
      [
        'POST',
        '/proxies',
        JSON.stringify({ name: 'x', listen: `127.0.0.1:${echo.port}`, upstream }),
        500,
        /^listen tcp 127\.0\.0\.1:\d+: bind: address already in use$/,
      ],
      [
        'PATCH',
        '/proxies/keep',
        JSON.stringify({ listen: `127.0.0.1:${echo.port}` }),
        500,
        /^listen tcp 127\.0\.0\.1:\d+: bind: address already in use$/,
      ],
      ['POST', '/populate', JSON.stringify({ name: 'x', upstream }), 400, /^bad request body: /],
      [
        'POST',
        '/populate',
        JSON.stringify([{ name: 'keep', upstream }, { name: 'y' }]),
        400,
        /^missing required field: upstream at proxy 2$/,
      ],
      ['PATCH', '/proxies/keep', JSON.stringify({ listen: 'bad' }), 500, /missing port in address/],
      ['PATCH', '/proxies/missing', JSON.stringify({ enabled: false }), 404, /^proxy not found$/],
      ['POST', '/proxies/keep/toxics', JSON.stringify({ type: 'teleport' }), 400, /^invalid toxic type$/],
      [
        'POST',
        '/proxies/keep/toxics',
        JSON.stringify({ type: 'latency', stream: 'sideways' }),
        400,
        /^stream was invalid, can be either upstream or downstream$/,
      ],
      [
        'POST',
        '/proxies/keep/toxics',
        JSON.stringify({ type: 'latency', toxicity: 'high' }),
        400,
        /cannot unmarshal string into Go struct field ToxicWrapper.toxicity of type float32/,
      ],
      [
        'POST',
        '/proxies/keep/toxics',
        JSON.stringify({ type: 'latency', attributes: { latency: 1.5 } }),
        400,
        /cannot unmarshal number 1.5 into Go struct field ToxicWrapper.attributes.latency of type int64/,
      ],
      [
        'POST',
        '/proxies/keep/toxics',
        JSON.stringify({ type: 'limit_data', attributes: { bytes: 9 } }),
        409,
        /^toxic already exists$/,
      ],
      ['POST', '/proxies/missing/toxics', JSON.stringify({ type: 'latency' }), 404, /^proxy not found$/],
      [
        'PATCH',
        '/proxies/keep/toxics/limit_data_downstream',
        JSON.stringify({ attributes: { bytes: 'many' } }),
        400,
        /cannot unmarshal string into Go struct field ToxicWrapper.attributes.bytes of type int64/,
      ],
      ['PATCH', '/proxies/keep/toxics/nope', '{}', 404, /^toxic not found$/],
      ['GET', '/proxies/keep/toxics/nope', undefined, 404, /^toxic not found$/],
      ['DELETE', '/proxies/keep/toxics/nope', undefined, 404, /^toxic not found$/],
      ['PUT', '/proxies', '{}', 405, /method PUT not allowed/],
      ['GET', '/elsewhere', undefined, 404, /no route/],
    ]
    for (const [method, path, body, status, message] of cases) {
      const res = await raw(
        method,
        path,
        body,
        body === undefined ? {} : { 'content-type': 'application/json' },
      )
      expect(res.status, `${method} ${path} ${body}`).toBe(status)
      expect(res.type).toMatch(/application\/json/)
      expect(res.json.status).toBe(status)
      expect(res.json.error, `${method} ${path} ${body}`).toMatch(message)
    }
    expect((await raw('GET', '/proxies', undefined, { 'user-agent': 'Mozilla/5.0' })).status).toBe(403)
    expect(await raw('GET', '/proxies')).toEqual(before)
    expect((await roundTrip(portOf(before.json.keep.listen), 'abcdefgh')).data.toString()).toBe('abcde')
  })

  test("every toxic type with the attribute values toxiproxy-node-client's own tests use", async () => {
    // Its test helper creates proxies on localhost:0 (the upstream is never dialled here).
    const types: [string, Record<string, number>][] = [
      ['latency', { latency: 1000, jitter: 100 }],
      ['bandwidth', { rate: 1000 }],
      ['slow_close', { delay: 1000 }],
      ['timeout', { timeout: 5000 }],
      ['slicer', { average_size: 1000, delay: 1000, size_variation: 1000 }],
      ['reset_peer', { timeout: 1000 }],
      ['limit_data', { bytes: 42 }],
    ]
    for (const [type, attributes] of types) {
      const proxy = await toxiproxy.createProxy({
        listen: 'localhost:0',
        name: `add-${type}-toxic-test`,
        upstream: `localhost:${echo.port}`,
      })
      expect(proxy.listen).toMatch(/^127\.0\.0\.1:\d+$/)
      const toxic = await proxy.addToxic({ type, attributes } as never)
      expect(toxic.attributes, type).toEqual(attributes)
      expect((await proxy.getToxic(toxic.name)).toJson()).toEqual(toxic.toJson())
      const updated = await toxic.update({ attributes, toxicity: 0.5 } as never)
      expect(updated.toxicity).toBe(0.5)
      await toxic.remove()
      expect((await raw('GET', `/proxies/${proxy.name}/toxics`)).json).toEqual([])
      await proxy.remove()
    }
    expect(await toxiproxy.getAll()).toEqual({})
    const populated = await toxiproxy.populate([
      { name: 'p1', listen: 'localhost:0', upstream: `localhost:${echo.port}` },
      { name: 'p2', listen: 'localhost:0', upstream: `localhost:${echo.port}` },
    ])
    expect(Object.keys(populated).sort()).toEqual(['p1', 'p2'])
    const p1 = await toxiproxy.get('p1')
    const disabled = await p1.update({ enabled: false, listen: p1.listen, upstream: p1.upstream })
    expect(disabled.enabled).toBe(false)
    await toxiproxy.reset()
    expect((await toxiproxy.get('p1')).enabled).toBe(true)
  })

  test('close() closes every proxy it created', async () => {
    const proxy = await proxyTo('short')
    await api.close()
    await expect(connect(portOf(proxy.listen))).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })
})
