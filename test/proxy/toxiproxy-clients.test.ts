// The requests toxiproxy's own clients send, byte for byte as their source builds them: the Go client
// (client/client.go, client/proxy.go), toxiproxy-cli (cmd/cli, which drives the Go client) and the
// populate files and bodies of toxiproxy's api_test.go. Each must get toxiproxy's answer.
import net from 'node:net'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { ControlServer } from '../../src/proxy/control/http.js'
import { startControlServer } from '../../src/proxy/control/toxiproxy.js'
import { closeTracked, track, trackSocket } from '../helpers/cleanup.js'
import { sha256 } from '../helpers/digest.js'
import { type ApiReply, goRequest } from '../helpers/go-client.js'
import { payload } from '../helpers/payload.js'
import { collect, connect, roundTrip, startEcho, type TestServer } from '../helpers/tcp.js'

let api: ControlServer
let echo: TestServer
let upstream: string

beforeEach(async () => {
  echo = track(await startEcho())
  upstream = `127.0.0.1:${echo.port}`
  api = track(await startControlServer({ host: '127.0.0.1', port: 0 }))
})

afterEach(closeTracked)

/** Sends `body` as the Go client does and reads the reply. */
function send(method: string, path: string, body?: string): Promise<ApiReply> {
  return goRequest(api.url, method, path, body)
}

function portOf(listen: string): number {
  return Number(listen.slice(listen.lastIndexOf(':') + 1))
}

/** Writes `text` on an open connection and reads the echo back, so the connection is shown alive. */
function echoOnce(socket: net.Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = ''
    const onData = (chunk: Buffer) => {
      got += chunk.toString()
      if (got.length >= text.length) {
        socket.off('data', onData)
        resolve(got)
      }
    }
    socket.on('data', onData)
    socket.once('error', reject)
    socket.write(text)
  })
}

/** The Go client's CreateProxy: Proxy{Name, Listen, Upstream, Enabled: true} marshalled with its nil toxics. */
function goCreateBody(name: string, listen: string, to = upstream): string {
  return `{"name":"${name}","listen":"${listen}","upstream":"${to}","enabled":true,"toxics":null}`
}

describe('the Go client and toxiproxy-cli', () => {
  test('CreateProxy, Save with enabled false and true (toggle), and the proxy carries bytes', async () => {
    const created = await send('POST', '/proxies', goCreateBody('redis', 'localhost:0'))
    expect(created.status).toBe(201)
    expect(created.json).toEqual({
      name: 'redis',
      listen: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      upstream,
      enabled: true,
      toxics: [],
    })
    const listen = created.json.listen as string
    const data = payload(64 * 1024)
    expect(sha256((await roundTrip(portOf(listen), data)).data)).toBe(sha256(data))

    // Proxy.Disable(): POST /proxies/redis with the whole proxy as last read, toxics included.
    const disabled = await send(
      'POST',
      '/proxies/redis',
      `{"name":"redis","listen":"${listen}","upstream":"${upstream}","enabled":false,"toxics":[]}`,
    )
    expect(disabled.status).toBe(200)
    expect(disabled.json.enabled).toBe(false)
    await expect(connect(portOf(listen))).rejects.toMatchObject({ code: 'ECONNREFUSED' })

    const enabled = await send(
      'POST',
      '/proxies/redis',
      `{"name":"redis","listen":"${listen}","upstream":"${upstream}","enabled":true,"toxics":[]}`,
    )
    expect(enabled.status).toBe(200)
    expect(enabled.json).toMatchObject({ enabled: true, listen })
    expect((await roundTrip(portOf(listen), 'toggle')).data.toString()).toBe('toggle')
  })

  test('AddToxic and UpdateToxic bodies of the Go client and the cli', async () => {
    const created = await send('POST', '/proxies', goCreateBody('db', '127.0.0.1:0'))
    expect(created.status).toBe(201)
    // proxy.AddToxic("", "latency", "downstream", 1, nil) from api_test.go: attributes null.
    const goAdd = await send(
      'POST',
      '/proxies/db/toxics',
      '{"name":"","type":"latency","stream":"downstream","toxicity":1,"attributes":null}',
    )
    expect(goAdd.status).toBe(200)
    expect(goAdd.json).toEqual({
      attributes: { latency: 0, jitter: 0 },
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
    })
    // toxiproxy-cli toxic add -t slicer -u -a average_size=5: no name, the stream given.
    const cliAdd = await send(
      'POST',
      '/proxies/db/toxics',
      '{"name":"","type":"slicer","stream":"upstream","toxicity":1,"attributes":{"average_size":5}}',
    )
    expect(cliAdd.status).toBe(200)
    expect(cliAdd.json).toMatchObject({ name: 'slicer_upstream', stream: 'upstream' })
    // proxy.UpdateToxic(name, 0.5, attrs): only attributes and toxicity are sent.
    const update = await send(
      'PATCH',
      '/proxies/db/toxics/latency_downstream',
      '{"attributes":{"latency":20},"toxicity":0.5}',
    )
    expect(update.status).toBe(200)
    expect(update.json).toMatchObject({ attributes: { latency: 20, jitter: 0 }, toxicity: 0.5 })
    // The cli's toxic update without --toxicity sends toxicity -1's replacement: the current value stays.
    const cliUpdate = await send(
      'PATCH',
      '/proxies/db/toxics/latency_downstream',
      '{"attributes":{"jitter":5}}',
    )
    expect(cliUpdate.json).toMatchObject({ attributes: { latency: 20, jitter: 5 }, toxicity: 0.5 })
    const data = payload(10_000)
    const outcome = await roundTrip(portOf(created.json.listen), data)
    expect(sha256(outcome.data)).toBe(sha256(data))
    expect((await send('DELETE', '/proxies/db/toxics/slicer_upstream')).status).toBe(204)
    expect((await send('GET', '/proxies/db/toxics')).json.map((t: { name: string }) => t.name)).toEqual([
      'latency_downstream',
    ])
  })

  test('Populate: unknown fields, a proxy kept when listen resolves the same, its toxics and connections stay', async () => {
    const first = await send('POST', '/proxies', goCreateBody('one', 'localhost:0'))
    const listen = first.json.listen as string
    await send('POST', '/proxies/one/toxics', '{"type":"limit_data","attributes":{"bytes":100000}}')
    const open = trackSocket(await connect(portOf(listen)))
    expect(await echoOnce(open, 'before')).toBe('before')

    // Client.Populate([]Proxy{...}): every proxy carries "toxics": null; "one" is written with localhost.
    const populated = await send(
      'POST',
      '/populate',
      JSON.stringify([
        { name: 'one', listen: `localhost:${portOf(listen)}`, upstream, enabled: true, toxics: null },
        { name: 'two', listen: '127.0.0.1:0', upstream, enabled: false, toxics: null },
      ]),
    )
    expect(populated.status).toBe(201)
    expect(populated.json.proxies.map((p: { name: string; listen: string }) => [p.name, p.listen])).toEqual([
      ['one', listen],
      ['two', '127.0.0.1:0'],
    ])
    expect(populated.json.proxies[0].toxics).toHaveLength(1)
    expect(await echoOnce(open, 'after')).toBe('after')
  })

  test('Populate stops at the first failure, keeps the proxies before it and reports them', async () => {
    const taken = await send('POST', '/proxies', goCreateBody('taken', '127.0.0.1:0'))
    const busy = taken.json.listen as string
    const reply = await send(
      'POST',
      '/populate',
      JSON.stringify([
        { name: 'a', listen: '127.0.0.1:0', upstream },
        { name: 'b', listen: busy, upstream },
        { name: 'c', listen: '127.0.0.1:0', upstream },
      ]),
    )
    expect(reply.status).toBe(500)
    expect(reply.json.error).toBe(`listen tcp ${busy}: bind: address already in use`)
    expect(reply.json.status).toBe(500)
    expect(reply.json.proxies.map((p: { name: string }) => p.name)).toEqual(['a'])
    expect(Object.keys((await send('GET', '/proxies')).json).sort()).toEqual(['a', 'taken'])
  })

  test('Populate takes the same name twice in order, and checks every name before creating any', async () => {
    const twice = await send(
      'POST',
      '/populate',
      JSON.stringify([
        { name: 'dup', listen: '127.0.0.1:0', upstream: 'localhost:1' },
        { name: 'dup', listen: '127.0.0.1:0', upstream },
      ]),
    )
    expect(twice.status).toBe(201)
    expect(twice.json.proxies.map((p: { upstream: string }) => p.upstream)).toEqual(['localhost:1', upstream])
    const dup = (await send('GET', '/proxies/dup')).json
    expect((await roundTrip(portOf(dup.listen), 'second')).data.toString()).toBe('second')

    // api_test.go TestPopulateWithBadName.
    const bad = await send(
      'POST',
      '/populate',
      '[{"name":"one","listen":"localhost:0","upstream":"localhost:7171","enabled":true,"toxics":null},{"name":"","listen":"","upstream":"","enabled":true,"toxics":null}]',
    )
    expect(bad.status).toBe(400)
    expect(bad.json).toEqual({ error: 'missing required field: name at proxy 2', status: 400, proxies: null })
    expect(Object.keys((await send('GET', '/proxies')).json)).toEqual(['dup'])
    expect((await send('POST', '/populate', '[]')).text).toBe('{"proxies":null}')
  })
})

describe('lenient where toxiproxy is', () => {
  test('keys in any case, null as absent, unknown fields ignored', async () => {
    const created = await send(
      'POST',
      '/proxies',
      `{"Name":"mixed","LISTEN":null,"Upstream":"${upstream}","enabled":null,"colour":"red"}`,
    )
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({ name: 'mixed', enabled: true })
    expect(created.json.listen).toMatch(/^127\.0\.0\.1:\d+$/)
    const toxic = await send(
      'POST',
      '/proxies/mixed/toxics',
      '{"Type":"latency","stream":null,"toxicity":null,"enabled":true,"attributes":{"Latency":7,"jitter":null,"colour":1}}',
    )
    expect(toxic.status).toBe(200)
    expect(toxic.json).toEqual({
      attributes: { latency: 7, jitter: 0 },
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
    })
    const patched = await send('PATCH', '/proxies/mixed', '{"name":"renamed","upstream":null,"enabled":null}')
    expect(patched.status).toBe(200)
    expect(patched.json).toMatchObject({ name: 'mixed', upstream, enabled: true })
    // A toxic update that names another name, type and stream changes none of them.
    const toxicPatch = await send(
      'PATCH',
      '/proxies/mixed/toxics/latency_downstream',
      '{"name":"x","type":"slicer","stream":"upstream","toxicity":null,"attributes":{"latency":9}}',
    )
    expect(toxicPatch.json).toEqual({ ...toxic.json, attributes: { latency: 9, jitter: 0 } })
  })

  test('update with listen localhost:PORT for a proxy on 127.0.0.1:PORT is no change', async () => {
    const created = await send('POST', '/proxies', goCreateBody('same', '127.0.0.1:0'))
    const listen = created.json.listen as string
    const open = trackSocket(await connect(portOf(listen)))
    expect(await echoOnce(open, 'one')).toBe('one')
    const patched = await send('PATCH', '/proxies/same', `{"listen":"localhost:${portOf(listen)}"}`)
    expect(patched.status).toBe(200)
    expect(patched.json.listen).toBe(listen)
    expect(await echoOnce(open, 'two')).toBe('two')
  })

  test('addresses are only required to be non-empty; they are resolved when used', async () => {
    for (const [name, to] of [
      ['compose', 'redis_master:6379'],
      ['service', 'localhost:http'],
    ]) {
      const reply = await send('POST', '/proxies', `{"name":"${name}","upstream":"${to}","enabled":false}`)
      expect(reply.status, to).toBe(201)
      expect(reply.json).toMatchObject({ upstream: to, listen: '', enabled: false })
    }
    const emptyHost = await send('POST', '/proxies', `{"name":"any","listen":":0","upstream":"${upstream}"}`)
    expect(emptyHost.status).toBe(201)
    expect(emptyHost.json.listen).toMatch(/^127\.0\.0\.1:\d+$/)

    // An upstream nobody listens on fails at dial time: the client is closed with nothing read.
    const closed = net.createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const deadPort = (closed.address() as net.AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const dead = await send('POST', '/proxies', `{"name":"dead","upstream":"localhost:${deadPort}"}`)
    expect(dead.status).toBe(201)
    const outcome = await roundTrip(portOf(dead.json.listen), 'hello')
    expect(outcome.data.length).toBe(0)
  })

  test('attributes toxiproxy accepts: slicer sizes, negatives, toxicity outside 0..1, stream case, noop', async () => {
    const created = await send('POST', '/proxies', goCreateBody('attrs', '127.0.0.1:0'))
    const port = portOf(created.json.listen)
    const accepted: [string, object][] = [
      [
        '{"type":"slicer","stream":"UPSTREAM","attributes":{"average_size":0,"size_variation":0,"delay":0}}',
        { name: 'slicer_upstream', stream: 'upstream', attributes: { average_size: 0 } },
      ],
      [
        '{"type":"slicer","attributes":{"average_size":4,"size_variation":9,"delay":-1}}',
        { name: 'slicer_downstream', attributes: { average_size: 4, size_variation: 9, delay: -1 } },
      ],
      [
        '{"type":"latency","toxicity":2,"attributes":{"latency":-5}}',
        { toxicity: 2, attributes: { latency: -5 } },
      ],
      [
        '{"type":"noop","name":"quiet","toxicity":-1}',
        { name: 'quiet', type: 'noop', toxicity: -1, attributes: {} },
      ],
      ['{"type":"bandwidth","attributes":{"rate":-3}}', { attributes: { rate: -3 } }],
    ]
    for (const [body, shown] of accepted) {
      const reply = await send('POST', '/proxies/attrs/toxics', body)
      expect(reply.status, body).toBe(200)
      expect(reply.json, body).toMatchObject(shown)
    }
    const data = payload(20_000)
    expect(sha256((await roundTrip(port, data)).data)).toBe(sha256(data))

    const timeout = await send(
      'POST',
      '/proxies/attrs/toxics',
      '{"type":"timeout","attributes":{"timeout":-10}}',
    )
    expect(timeout.status).toBe(200)
    expect(timeout.json.attributes).toEqual({ timeout: -10 })
  })
})

describe('toxic semantics as toxiproxy', () => {
  test('/reset closes the connections a timeout toxic held; a fresh one then passes', async () => {
    const created = await send('POST', '/proxies', goCreateBody('t', '127.0.0.1:0'))
    const port = portOf(created.json.listen)
    await send('POST', '/proxies/t/toxics', '{"type":"timeout","attributes":{"timeout":0}}')
    const socket = trackSocket(await connect(port))
    const outcome = collect(socket)
    socket.write('dropped')
    expect((await send('POST', '/reset')).status).toBe(204)
    const result = await outcome
    expect(result.data.toString()).toBe('')
    expect((await roundTrip(port, 'fresh')).data.toString()).toBe('fresh')
  })

  for (const [type, attributes] of [
    ['reset_peer', '{"timeout":0}'],
    ['limit_data', '{"bytes":0}'],
  ] as const) {
    test(`${type} leaves an idle connection open until its first data`, async () => {
      const created = await send('POST', '/proxies', goCreateBody('idle', '127.0.0.1:0'))
      const port = portOf(created.json.listen)
      const idle = trackSocket(await connect(port))
      const idleOutcome = collect(idle)
      const added = await send(
        'POST',
        '/proxies/idle/toxics',
        `{"type":"${type}","attributes":${attributes}}`,
      )
      expect(added.status).toBe(200)
      // A connection that is used meets the toxic: closed with nothing passed.
      const used = await roundTrip(port, 'request')
      expect(used.data.length).toBe(0)
      // The idle one outlived it; its first bytes end it the same way.
      expect(idle.destroyed).toBe(false)
      idle.write('late')
      const result = await idleOutcome
      expect(result.data.length).toBe(0)
    })
  }
})

describe('byte-level answers', () => {
  test('/version, the request id header and toxiproxy error texts', async () => {
    const version = await send('GET', '/version')
    expect(version.type).toBe('application/json;charset=utf-8')
    expect(version.text).toMatch(/^\{"version": "[^"]+"\}\n$/)
    expect(version.requestId).toMatch(/^[0-9a-v]{20}$/)

    await send('POST', '/proxies', goCreateBody('p', '127.0.0.1:0'))
    const cases: [string, string, string | undefined, number, string][] = [
      ['POST', '/proxies/p/toxics', '{"type":"teleport"}', 400, 'invalid toxic type'],
      [
        'POST',
        '/proxies/p/toxics',
        '{"type":"latency","stream":"sideways"}',
        400,
        'stream was invalid, can be either upstream or downstream',
      ],
      ['PATCH', '/proxies/missing', 'not json', 404, 'proxy not found'],
      ['PATCH', '/proxies/p', '', 400, 'bad request body: EOF'],
      ['POST', '/proxies', '{"upstream":"x:1"}', 400, 'missing required field: name'],
      ['POST', '/proxies', goCreateBody('p', '127.0.0.1:0'), 409, 'proxy already exists'],
    ]
    for (const [method, path, body, status, error] of cases) {
      const reply = await send(method, path, body)
      expect(reply.json, `${method} ${path} ${body}`).toEqual({ error, status })
      expect(reply.status).toBe(status)
      expect(reply.requestId).toMatch(/^[0-9a-v]{20}$/)
    }
    const listen = (await send('GET', '/proxies/p')).json.listen as string
    const inUse = await send('POST', '/proxies', goCreateBody('q', listen))
    expect(inUse.status).toBe(500)
    expect(inUse.json.error).toBe(`listen tcp ${listen}: bind: address already in use`)
  })
})
