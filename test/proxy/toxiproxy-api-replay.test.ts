// toxiproxy's own API tests (api_test.go) replayed against the compatible API: each test sends the
// bodies the Go client builds for those calls (json.Marshal of its Proxy and Toxic structs, field
// order included) and expects toxiproxy's status codes, JSON and error texts. Fixed ports of the
// original (3310, 7070, …) become free ports found here; 'localhost' listens are kept as written.
import net from 'node:net'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { ControlServer } from '../../src/proxy/control/http.js'
import { startControlServer } from '../../src/proxy/control/toxiproxy.js'
import { closeTracked, track } from '../helpers/cleanup.js'
import { type ApiReply, goRequest } from '../helpers/go-client.js'
import { connect } from '../helpers/tcp.js'

let api: ControlServer

beforeEach(async () => {
  api = track(await startControlServer({ host: '127.0.0.1', port: 0 }))
})

afterEach(closeTracked)

/** What these tests compare: the status and the JSON body. */
type Reply = Pick<ApiReply, 'status' | 'json'>

/** A request as the Go client sends it (its post/patch/get/delete helpers), and the reply. */
async function send(method: string, path: string, body?: string): Promise<Reply> {
  const { status, json } = await goRequest(api.url, method, path, body)
  return { status, json }
}

/** json.Marshal of the Go client's Proxy: toxics is nil (null) on a new one. */
function proxyBody(name: string, listen: string, upstream: string, enabled = true): string {
  return JSON.stringify({ name, listen, upstream, enabled, toxics: null })
}

/** json.Marshal of the Go client's Toxic: stream is omitempty, nil attributes are null. */
function toxicBody(
  name: string,
  type: string,
  stream: string,
  toxicity: number,
  attributes: Record<string, number> | null,
): string {
  return JSON.stringify({ name, type, ...(stream ? { stream } : {}), toxicity, attributes })
}

/** client.CreateProxy(name, listen, upstream). */
function createProxy(name: string, listen: string, upstream: string): Promise<Reply> {
  return send('POST', '/proxies', proxyBody(name, listen, upstream))
}

/** A port nothing listens on now (bound, then let go), standing in for the original's fixed ports. */
async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** AssertProxyUp: whether a TCP connection to listen is accepted. */
async function proxyUp(listen: string): Promise<boolean> {
  const port = Number(listen.slice(listen.lastIndexOf(':') + 1))
  try {
    const socket = await connect(port)
    socket.destroy()
    return true
  } catch {
    return false
  }
}

function names(toxics: Array<{ name: string; stream: string }>): string[] {
  return toxics.map((t) => `${t.name}/${t.stream}`)
}

describe('api_test.go: proxies', () => {
  test('TestIndexWithNoProxies, TestCreateProxyBlankName, TestCreateProxyBlankUpstream', async () => {
    expect(await send('GET', '/proxies')).toEqual({ status: 200, json: {} })
    expect(await createProxy('', '', '')).toEqual({
      status: 400,
      json: { error: 'missing required field: name', status: 400 },
    })
    expect(await createProxy('test', '', '')).toEqual({
      status: 400,
      json: { error: 'missing required field: upstream', status: 400 },
    })
  })

  test('TestListingProxies, TestCreateAndGetProxy: listen localhost is shown as 127.0.0.1', async () => {
    const port = await freePort()
    const created = await createProxy('mysql_master', `localhost:${port}`, 'localhost:20001')
    expect(created.status).toBe(201)
    const expected = {
      name: 'mysql_master',
      listen: `127.0.0.1:${port}`,
      upstream: 'localhost:20001',
      enabled: true,
      toxics: [],
    }
    expect(await send('GET', '/proxies')).toEqual({ status: 200, json: { mysql_master: expected } })
    expect(await send('GET', '/proxies/mysql_master')).toEqual({ status: 200, json: expected })
  })

  test('TestCreateProxyWithSave, TestCreateDisabledProxy, TestCreateDisabledProxyAndEnable', async () => {
    const port = await freePort()
    const listen = `localhost:${port}`
    // Save() of a new proxy with Enabled left false: created, not listening, listen as written.
    const disabled = await send(
      'POST',
      '/proxies',
      proxyBody('mysql_master', listen, 'localhost:20001', false),
    )
    expect(disabled.status).toBe(201)
    expect(disabled.json).toMatchObject({ listen, enabled: false })
    expect(await proxyUp(`127.0.0.1:${port}`)).toBe(false)
    // proxy.Enabled = true; proxy.Save(): POST /proxies/{name} with the proxy as last read.
    const enabled = await send(
      'POST',
      '/proxies/mysql_master',
      JSON.stringify({ ...disabled.json, enabled: true }),
    )
    expect(enabled.status).toBe(200)
    expect(enabled.json).toMatchObject({ listen: `127.0.0.1:${port}`, enabled: true })
    expect(await proxyUp(enabled.json.listen)).toBe(true)
    const again = await send(
      'POST',
      '/proxies/mysql_master',
      JSON.stringify({ ...enabled.json, enabled: false }),
    )
    expect(again.json.enabled).toBe(false)
    expect(await proxyUp(enabled.json.listen)).toBe(false)
  })

  test('TestDeleteProxy: the listener closes; a second Delete is 404 proxy not found', async () => {
    const created = await createProxy('mysql_master', 'localhost:0', 'localhost:20001')
    expect(await proxyUp(created.json.listen)).toBe(true)
    expect((await send('DELETE', '/proxies/mysql_master')).status).toBe(204)
    expect(await proxyUp(created.json.listen)).toBe(false)
    expect((await send('GET', '/proxies')).json).toEqual({})
    expect(await send('DELETE', '/proxies/mysql_master')).toEqual({
      status: 404,
      json: { error: 'proxy not found', status: 404 },
    })
  })

  test('TestCreateProxyPortConflict, TestCreateProxyNameConflict', async () => {
    const port = await freePort()
    await createProxy('mysql_master', `localhost:${port}`, 'localhost:20001')
    expect(await createProxy('test', `localhost:${port}`, 'localhost:20001')).toEqual({
      status: 500,
      json: { error: `listen tcp 127.0.0.1:${port}: bind: address already in use`, status: 500 },
    })
    expect(await createProxy('mysql_master', 'localhost:0', 'localhost:20001')).toEqual({
      status: 409,
      json: { error: 'proxy already exists', status: 409 },
    })
    expect((await send('DELETE', '/proxies/mysql_master')).status).toBe(204)
    expect((await createProxy('test', `localhost:${port}`, 'localhost:20001')).status).toBe(201)
    expect((await createProxy('mysql_master', 'localhost:0', 'localhost:20001')).status).toBe(201)
  })

  test('TestResetState: enabled again, toxics gone, listening', async () => {
    const created = await createProxy('mysql_master', 'localhost:0', 'localhost:20001')
    const latency = await send(
      'POST',
      '/proxies/mysql_master/toxics',
      toxicBody('', 'latency', 'downstream', 1, { latency: 100, jitter: 10 }),
    )
    expect(latency.json.attributes).toEqual({ latency: 100, jitter: 10 })
    await send('POST', '/proxies/mysql_master', JSON.stringify({ ...created.json, enabled: false }))
    expect((await send('POST', '/reset', '')).status).toBe(204)
    const proxy = (await send('GET', '/proxies')).json.mysql_master
    expect(proxy).toMatchObject({ enabled: true, toxics: [] })
    expect(await proxyUp(proxy.listen)).toBe(true)
  })
})

describe('api_test.go: populate', () => {
  test('TestPopulateProxy, TestPopulateDefaultEnabled, TestPopulateDisabledProxy', async () => {
    const [a, b] = [await freePort(), await freePort()]
    const populated = await send(
      'POST',
      '/populate',
      JSON.stringify([
        { name: 'one', listen: `localhost:${a}`, upstream: 'localhost:7171', enabled: false, toxics: null },
        { name: 'two', listen: `localhost:${b}`, upstream: 'localhost:7474', enabled: true, toxics: null },
      ]),
    )
    expect(populated.status).toBe(201)
    expect(populated.json.proxies.map((p: { name: string }) => p.name)).toEqual(['one', 'two'])
    expect(await proxyUp(`127.0.0.1:${a}`)).toBe(false)
    expect(await proxyUp(`127.0.0.1:${b}`)).toBe(true)
    // A raw populate body without "enabled": enabled by default.
    const raw = await send(
      'POST',
      '/populate',
      '[{"name": "test", "listen": "localhost:0", "upstream": "localhost:7171"}]',
    )
    expect(raw.status).toBe(201)
    const test = (await send('GET', '/proxies')).json.test
    expect(test.enabled).toBe(true)
    expect(await proxyUp(test.listen)).toBe(true)
  })

  test('TestPopulateExistingProxy: an unchanged proxy keeps its toxics; a changed one moves', async () => {
    const [one, two, moved] = [await freePort(), await freePort(), await freePort()]
    await createProxy('one', `localhost:${one}`, 'localhost:7171')
    await createProxy('two', `localhost:${two}`, 'localhost:7474')
    await send('POST', '/proxies/one/toxics', toxicBody('', 'latency', 'downstream', 1, null))
    const populated = await send(
      'POST',
      '/populate',
      JSON.stringify([
        { name: 'one', listen: `localhost:${one}`, upstream: 'localhost:7171', enabled: true, toxics: null },
        {
          name: 'two',
          listen: `127.0.0.1:${moved}`,
          upstream: 'localhost:7676',
          enabled: true,
          toxics: null,
        },
      ]),
    )
    expect(populated.status).toBe(201)
    expect(populated.json.proxies.map((p: { listen: string }) => p.listen)).toEqual([
      `127.0.0.1:${one}`,
      `127.0.0.1:${moved}`,
    ])
    const toxics = (await send('GET', '/proxies/one/toxics')).json
    expect(toxics.map((t: { type: string }) => t.type)).toEqual(['latency'])
    expect(await proxyUp(`127.0.0.1:${one}`)).toBe(true)
    expect(await proxyUp(`127.0.0.1:${moved}`)).toBe(true)
  })

  test('TestPopulateProxyWithBadDataShouldReturnError: a listen without a port stops it after "one"', async () => {
    const reply = await send(
      'POST',
      '/populate',
      JSON.stringify([
        { name: 'one', listen: 'localhost:0', upstream: 'localhost:7171', enabled: true, toxics: null },
        { name: 'two', listen: 'local373', upstream: 'localhost:7474', enabled: true, toxics: null },
        { name: 'three', listen: 'localhost:0', upstream: 'localhost:7676', enabled: true, toxics: null },
      ]),
    )
    expect(reply.status).toBe(500)
    expect(reply.json.error).toBe('listen tcp address local373: missing port in address')
    expect(reply.json.proxies.map((p: { name: string }) => p.name)).toEqual(['one'])
    expect(Object.keys((await send('GET', '/proxies')).json)).toEqual(['one'])
  })

  test('TestPopulateAddToxic: a populated proxy takes toxics', async () => {
    const populated = await send(
      'POST',
      '/populate',
      JSON.stringify([
        { name: 'one', listen: 'localhost:0', upstream: 'localhost:7171', enabled: true, toxics: null },
      ]),
    )
    expect(populated.json.proxies).toHaveLength(1)
    const toxic = await send('POST', '/proxies/one/toxics', toxicBody('', 'latency', 'downstream', 1, null))
    expect(toxic.status).toBe(200)
  })
})

describe('api_test.go: toxics', () => {
  beforeEach(async () => {
    await createProxy('mysql_master', 'localhost:0', 'localhost:20001')
  })
  const toxicsPath = '/proxies/mysql_master/toxics'

  test('TestListingToxics, TestAddToxic, TestAddToxicWithToxicity', async () => {
    expect(await send('GET', toxicsPath)).toEqual({ status: 200, json: [] })
    const added = await send(
      'POST',
      toxicsPath,
      toxicBody('foobar', 'latency', 'downstream', 1, { latency: 100, jitter: 10 }),
    )
    expect(added).toEqual({
      status: 200,
      json: {
        attributes: { latency: 100, jitter: 10 },
        name: 'foobar',
        type: 'latency',
        stream: 'downstream',
        toxicity: 1,
      },
    })
    const partial = await send(
      'POST',
      toxicsPath,
      toxicBody('', 'latency', 'downstream', 0.2, { latency: 100, jitter: 10 }),
    )
    expect(partial.json).toMatchObject({ name: 'latency_downstream', toxicity: 0.2 })
    expect((await send('GET', toxicsPath)).json).toEqual([added.json, partial.json])
  })

  test('TestAddMultipleToxics, TestAddConflictingToxic(s)(Multistream)(Defaults)', async () => {
    expect(
      (await send('POST', toxicsPath, toxicBody('latency1', 'latency', 'downstream', 1, null))).status,
    ).toBe(200)
    expect(
      (await send('POST', toxicsPath, toxicBody('latency2', 'latency', 'downstream', 1, null))).json,
    ).toEqual({
      attributes: { latency: 0, jitter: 0 },
      name: 'latency2',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
    })
    // The same name on another type, or on the other stream, is a conflict.
    for (const [type, stream] of [
      ['slow_close', 'downstream'],
      ['latency', 'upstream'],
    ]) {
      expect(await send('POST', toxicsPath, toxicBody('latency1', type!, stream!, 1, null))).toEqual({
        status: 409,
        json: { error: 'toxic already exists', status: 409 },
      })
    }
    // Default names differ by stream, so these two are no conflict.
    expect((await send('POST', toxicsPath, toxicBody('', 'latency', 'upstream', 1, null))).status).toBe(200)
    expect((await send('POST', toxicsPath, toxicBody('', 'latency', 'downstream', 1, null))).status).toBe(200)
    expect(names((await send('GET', toxicsPath)).json)).toEqual([
      'latency_upstream/upstream',
      'latency1/downstream',
      'latency2/downstream',
      'latency_downstream/downstream',
    ])
  })

  test('TestAddNoop: no stream given is downstream', async () => {
    expect((await send('POST', toxicsPath, toxicBody('foobar', 'noop', '', 1, null))).json).toEqual({
      attributes: {},
      name: 'foobar',
      type: 'noop',
      stream: 'downstream',
      toxicity: 1,
    })
  })

  test('TestUpdateToxics: toxicity -1 leaves it out; attributes merge', async () => {
    // AddToxic turns toxicity -1 into 1 before it sends.
    await send('POST', toxicsPath, toxicBody('', 'latency', 'downstream', 1, { latency: 100, jitter: 10 }))
    const path = `${toxicsPath}/latency_downstream`
    const half = await send('PATCH', path, JSON.stringify({ attributes: { latency: 1000 }, toxicity: 0.5 }))
    expect(half.json).toMatchObject({ toxicity: 0.5, attributes: { latency: 1000, jitter: 10 } })
    const kept = await send('PATCH', path, JSON.stringify({ attributes: { latency: 500 } }))
    expect(kept.json).toMatchObject({ toxicity: 0.5, attributes: { latency: 500, jitter: 10 } })
    expect((await send('GET', toxicsPath)).json).toEqual([kept.json])
  })

  test('TestRemoveToxic, TestInvalidStream', async () => {
    await send('POST', toxicsPath, toxicBody('', 'latency', 'downstream', 1, null))
    expect((await send('DELETE', `${toxicsPath}/latency_downstream`)).status).toBe(204)
    expect((await send('GET', toxicsPath)).json).toEqual([])
    expect(await send('POST', toxicsPath, toxicBody('', 'latency', 'walrustream', 1, null))).toEqual({
      status: 400,
      json: { error: 'stream was invalid, can be either upstream or downstream', status: 400 },
    })
  })
})
