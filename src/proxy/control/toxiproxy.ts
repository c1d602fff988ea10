// A toxiproxy-compatible HTTP API over quicksand's proxies: the routes, JSON shapes, status codes, toxic
// names and attributes of Shopify's toxiproxy, so its clients drive quicksand unchanged.

import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import { rejectUnknownKeys } from '../../errors/field-error.js'
import { decodeBody, goField, goObject, readFields } from './go-json.js'
import {
  CONTROL_LISTEN_KEYS,
  ControlError,
  type ControlListenOptions,
  type ControlServer,
  listenControl,
  sendEmpty,
  sendJson,
} from './http.js'
import { type PopulateResult, ProxyRegistry, type ProxySpec, type ToxicSpec, toxicType } from './registry.js'

/** toxiproxy's default API port. */
export const TOXIPROXY_DEFAULT_PORT = 8474

/** The fields of toxiproxy's Proxy struct, with their Go types. */
const PROXY_FIELDS = { name: 'string', listen: 'string', upstream: 'string', enabled: 'bool' } as const
/** The fields of toxiproxy's ToxicWrapper struct besides its attributes. */
const TOXIC_FIELDS = { name: 'string', type: 'string', stream: 'string', toxicity: 'float32' } as const

/** The version GET /version reports: quicksand's own. */
export const CONTROL_VERSION: string = (() => {
  try {
    // src/proxy/control and dist/proxy/control both sit three levels under the package root.
    return (createRequire(import.meta.url)('../../../package.json') as { version: string }).version
  } catch {
    return 'unknown'
  }
})()

/** Starts a toxiproxy-compatible API on host:port (default 127.0.0.1:8474); its proxies close with it. */
export async function startControlServer(options: ControlListenOptions = {}): Promise<ControlServer> {
  rejectUnknownKeys(options, CONTROL_LISTEN_KEYS, 'control server options')
  const registry = new ProxyRegistry()
  // One request at a time: a create that is still binding must not meet a delete of the same name.
  let queue: Promise<unknown> = Promise.resolve()
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work)
    queue = run.catch(() => undefined)
    return run
  }
  return listenControl(
    { host: options.host ?? '127.0.0.1', port: options.port ?? TOXIPROXY_DEFAULT_PORT },
    (req, res, body) => serial(() => route(registry, req, res, body)),
    () => serial(() => registry.closeAll()),
  )
}

async function route(
  registry: ProxyRegistry,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): Promise<void> {
  // Every answer carries a request id, as toxiproxy's logging middleware sets one.
  res.setHeader('X-Toxiproxy-Request-Id', requestId())
  // As toxiproxy: a browser must not be able to reach a local API that opens listeners.
  if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/'))
    throw new ControlError(403, 'User agent not allowed')
  const path = new URL(req.url ?? '/', 'http://control').pathname
  const parts = path
    .split('/')
    .filter((p) => p.length > 0)
    .map((p) => {
      try {
        return decodeURIComponent(p)
      } catch {
        throw new ControlError(400, `bad path segment ${JSON.stringify(p)}`)
      }
    })
  const method = req.method ?? 'GET'
  const [first, proxyName, third, toxicName, ...rest] = parts

  if (parts.length === 1 && first === 'version') {
    allow(method, ['GET'])
    return sendVersion(res)
  }
  if (parts.length === 1 && first === 'reset') {
    allow(method, ['POST'])
    await registry.reset()
    return sendEmpty(res, 204)
  }
  if (parts.length === 1 && first === 'populate') {
    allow(method, ['POST'])
    // As toxiproxy: every answer carries the proxies (null when none): those made before a failure.
    let result: PopulateResult
    try {
      result = await registry.populate(populateSpecs(decodeBody(body)))
    } catch (err) {
      if (!(err instanceof ControlError)) throw err
      result = { proxies: [], error: err }
    }
    const proxies = result.proxies.length > 0 ? result.proxies : null
    if (!result.error) return sendJson(res, 201, { proxies })
    const { message, status } = result.error
    return sendJson(res, status, { error: message, status, proxies })
  }
  if (first !== 'proxies' || rest.length > 0 || (third !== undefined && third !== 'toxics')) {
    throw new ControlError(404, `no route for ${method} ${path}`)
  }
  if (proxyName === undefined) {
    allow(method, ['GET', 'POST'])
    if (method === 'GET') return sendJson(res, 200, registry.all())
    return sendJson(res, 201, await registry.create(createSpec(decodeBody(body))))
  }
  if (third === undefined) {
    allow(method, ['GET', 'POST', 'PATCH', 'DELETE'])
    if (method === 'GET') return sendJson(res, 200, registry.show(proxyName))
    if (method === 'DELETE') {
      await registry.remove(proxyName)
      return sendEmpty(res, 204)
    }
    // As toxiproxy: the proxy is looked up before its body is read.
    if (!registry.has(proxyName)) throw new ControlError(404, 'proxy not found')
    return sendJson(res, 200, await registry.update(proxyName, updateSpec(decodeBody(body))))
  }
  if (toxicName === undefined) {
    allow(method, ['GET', 'POST'])
    if (method === 'GET') return sendJson(res, 200, registry.toxics(proxyName))
    if (!registry.has(proxyName)) throw new ControlError(404, 'proxy not found')
    return sendJson(res, 200, registry.addToxic(proxyName, toxicSpec(decodeBody(body))))
  }
  allow(method, ['GET', 'POST', 'PATCH', 'DELETE'])
  if (method === 'GET') return sendJson(res, 200, registry.toxic(proxyName, toxicName))
  if (method === 'DELETE') {
    registry.removeToxic(proxyName, toxicName)
    return sendEmpty(res, 204)
  }
  registry.toxic(proxyName, toxicName)
  const update = toxicUpdate(decodeBody(body))
  return sendJson(res, 200, registry.updateToxic(proxyName, toxicName, update.attributes, update.toxicity))
}

function allow(method: string, methods: readonly string[]): void {
  if (!methods.includes(method)) {
    throw new ControlError(405, `method ${method} not allowed here; use ${methods.join(', ')}`)
  }
}

/** GET /version byte for byte as toxiproxy writes it (its own JSON, newline and content type). */
function sendVersion(res: ServerResponse): void {
  const text = `{"version": ${JSON.stringify(CONTROL_VERSION)}}\n`
  res.writeHead(200, {
    'content-type': 'application/json;charset=utf-8',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

/** A request id shaped like the xid toxiproxy's logger hands out: 20 characters of base32hex. */
function requestId(): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuv'
  return [...randomBytes(20)].map((b) => alphabet[b % 32]).join('')
}

/** A proxy as create and populate read it: name and upstream must be non-empty; the rest may be left out. */
function proxySpec(input: unknown, at: string): ProxySpec {
  const fields = readFields(goObject(input, 'toxiproxy.Proxy'), 'Proxy', PROXY_FIELDS)
  if (!fields.name) throw new ControlError(400, `missing required field: name${at}`)
  if (!fields.upstream) throw new ControlError(400, `missing required field: upstream${at}`)
  return {
    name: fields.name,
    listen: fields.listen ?? '',
    upstream: fields.upstream,
    enabled: fields.enabled ?? true,
  }
}

function createSpec(input: unknown): ProxySpec {
  return proxySpec(input, '')
}

/** Populate checks every proxy before it creates any, as toxiproxy does. */
function populateSpecs(input: unknown): ProxySpec[] {
  if (input === null) return []
  if (!Array.isArray(input)) {
    throw new ControlError(
      400,
      `bad request body: json: cannot unmarshal ${typeof input} into Go value of type []toxiproxy.Proxy`,
    )
  }
  return input.map((item, i) => proxySpec(item, ` at proxy ${i + 1}`))
}

/** A proxy update: what is left out or null stays as it is, and a name is ignored, as in toxiproxy. */
function updateSpec(input: unknown): Partial<Omit<ProxySpec, 'name'>> {
  const { name: _ignored, ...change } = readFields(goObject(input, 'toxiproxy.Proxy'), 'Proxy', PROXY_FIELDS)
  return change
}

function direction(stream: string): 'upstream' | 'downstream' {
  const lower = stream.toLowerCase()
  if (lower !== 'upstream' && lower !== 'downstream') {
    throw new ControlError(400, 'stream was invalid, can be either upstream or downstream')
  }
  return lower
}

/** A new toxic, checked in toxiproxy's order: the fields' types, the stream, then the type. */
function toxicSpec(input: unknown): ToxicSpec {
  const object = goObject(input, 'toxics.ToxicWrapper')
  const fields = readFields(object, 'ToxicWrapper', TOXIC_FIELDS)
  const stream = direction(fields.stream ?? 'downstream')
  const name = fields.name || `${fields.type ?? ''}_${stream}`
  const toxic = toxicType(fields.type)
  return { name, toxic, stream, toxicity: fields.toxicity ?? 1, attributes: goField(object, 'attributes') }
}

/** A toxic update reads only attributes and toxicity; name, type and stream are ignored, as in toxiproxy. */
function toxicUpdate(input: unknown): { attributes: unknown; toxicity: number | undefined } {
  const object = goObject(input, 'toxics.ToxicWrapper')
  const { toxicity } = readFields(object, 'ToxicWrapper', { toxicity: 'float32' } as const)
  return { attributes: goField(object, 'attributes'), toxicity }
}
