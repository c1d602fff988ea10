// A toxiproxy-compatible HTTP API over quicksand's proxies: the routes, JSON shapes, status codes, toxic
// names and attributes of Shopify's toxiproxy, so its clients drive quicksand unchanged.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import { expectObject, type JsonObject, optionalBoolean, optionalString } from './body.js'
import {
  ControlError,
  type ControlListenOptions,
  type ControlServer,
  listenControl,
  parseJsonBody,
  sendEmpty,
  sendJson,
} from './http.js'
import {
  checkAddresses,
  DEFAULT_LISTEN,
  ProxyRegistry,
  type ProxySpec,
  type ToxicSpec,
  toxicType,
} from './registry.js'
import { mergeAttributes } from './toxics/index.js'

/** toxiproxy's default API port. */
export const TOXIPROXY_DEFAULT_PORT = 8474

const PROXY_FIELDS = ['name', 'listen', 'upstream', 'enabled'] as const
const TOXIC_FIELDS = ['name', 'type', 'stream', 'toxicity', 'attributes'] as const

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
    return sendJson(res, 200, { version: CONTROL_VERSION })
  }
  if (parts.length === 1 && first === 'reset') {
    allow(method, ['POST'])
    await registry.reset()
    return sendEmpty(res, 204)
  }
  if (parts.length === 1 && first === 'populate') {
    allow(method, ['POST'])
    const specs = populateSpecs(parseJsonBody(body))
    return sendJson(res, 201, { proxies: await registry.populate(specs) })
  }
  if (first !== 'proxies' || rest.length > 0 || (third !== undefined && third !== 'toxics')) {
    throw new ControlError(404, `no route for ${method} ${path}`)
  }
  if (proxyName === undefined) {
    allow(method, ['GET', 'POST'])
    if (method === 'GET') return sendJson(res, 200, registry.all())
    return sendJson(res, 201, await registry.create(createSpec(parseJsonBody(body), 'proxy')))
  }
  if (third === undefined) {
    allow(method, ['GET', 'POST', 'PATCH', 'DELETE'])
    if (method === 'GET') return sendJson(res, 200, registry.show(proxyName))
    if (method === 'DELETE') {
      await registry.remove(proxyName)
      return sendEmpty(res, 204)
    }
    const change = updateSpec(parseJsonBody(body), proxyName)
    if (!registry.has(proxyName)) throw new ControlError(404, 'proxy not found')
    return sendJson(res, 200, await registry.update(proxyName, change))
  }
  if (toxicName === undefined) {
    allow(method, ['GET', 'POST'])
    if (method === 'GET') return sendJson(res, 200, registry.toxics(proxyName))
    if (!registry.has(proxyName)) throw new ControlError(404, 'proxy not found')
    return sendJson(res, 200, registry.addToxic(proxyName, toxicSpec(parseJsonBody(body))))
  }
  allow(method, ['GET', 'POST', 'PATCH', 'DELETE'])
  if (method === 'GET') return sendJson(res, 200, registry.toxic(proxyName, toxicName))
  if (method === 'DELETE') {
    registry.removeToxic(proxyName, toxicName)
    return sendEmpty(res, 204)
  }
  const current = registry.toxic(proxyName, toxicName)
  const update = toxicUpdate(parseJsonBody(body), current)
  return sendJson(res, 200, registry.updateToxic(proxyName, toxicName, update.attributes, update.toxicity))
}

function allow(method: string, methods: readonly string[]): void {
  if (!methods.includes(method)) {
    throw new ControlError(405, `method ${method} not allowed here; use ${methods.join(', ')}`)
  }
}

function createSpec(input: unknown, what: string): ProxySpec {
  const body = expectObject(input, what, PROXY_FIELDS)
  const name = optionalString(body, 'name')
  const upstream = optionalString(body, 'upstream')
  if (!name)
    throw new ControlError(400, `missing required field: name${what === 'proxy' ? '' : ` at ${what}`}`)
  if (!upstream)
    throw new ControlError(400, `missing required field: upstream${what === 'proxy' ? '' : ` at ${what}`}`)
  const listen = optionalString(body, 'listen') || DEFAULT_LISTEN
  checkAddresses({ listen, upstream })
  return { name, listen, upstream, enabled: optionalBoolean(body, 'enabled') ?? true }
}

function populateSpecs(input: unknown): ProxySpec[] {
  if (!Array.isArray(input)) {
    throw new ControlError(
      400,
      `bad request body: populate takes a JSON array of proxies, got ${JSON.stringify(input) ?? 'nothing'}`,
    )
  }
  const specs = input.map((item, i) => createSpec(item, `proxy ${i + 1}`))
  const names = new Set<string>()
  for (const spec of specs) {
    if (names.has(spec.name))
      throw new ControlError(400, `bad request body: duplicate proxy name ${JSON.stringify(spec.name)}`)
    names.add(spec.name)
  }
  return specs
}

function updateSpec(input: unknown, name: string): Partial<Omit<ProxySpec, 'name'>> {
  const body = expectObject(input ?? {}, 'proxy', PROXY_FIELDS)
  const newName = optionalString(body, 'name')
  if (newName !== undefined && newName !== name) {
    throw new ControlError(
      400,
      `bad request body: name cannot be changed (is ${JSON.stringify(name)}, got ${JSON.stringify(newName)})`,
    )
  }
  const change: Partial<Omit<ProxySpec, 'name'>> = {}
  const listen = optionalString(body, 'listen')
  const upstream = optionalString(body, 'upstream')
  const enabled = optionalBoolean(body, 'enabled')
  checkAddresses({ listen, upstream })
  if (listen !== undefined) change.listen = listen
  if (upstream !== undefined) change.upstream = upstream
  if (enabled !== undefined) change.enabled = enabled
  return change
}

function toxicity(body: JsonObject): number | undefined {
  const value = body.toxicity
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new ControlError(
      400,
      `bad request body: toxicity must be a number from 0 to 1, got ${JSON.stringify(value)}`,
    )
  }
  return value
}

function stream(body: JsonObject): 'upstream' | 'downstream' | undefined {
  const value = body.stream
  if (value === undefined) return undefined
  if (value !== 'upstream' && value !== 'downstream') {
    throw new ControlError(
      400,
      `stream was invalid, can be either upstream or downstream (got ${JSON.stringify(value)})`,
    )
  }
  return value
}

function toxicSpec(input: unknown): ToxicSpec {
  const body = expectObject(input, 'toxic', TOXIC_FIELDS)
  const toxic = toxicType(body.type)
  const direction = stream(body) ?? 'downstream'
  const merged = mergeAttributes(toxic, body.attributes, toxic.defaults)
  if ('error' in merged) throw new ControlError(400, `bad request body: ${merged.error}`)
  const name = optionalString(body, 'name') || `${toxic.type}_${direction}`
  return { name, toxic, stream: direction, toxicity: toxicity(body) ?? 1, attributes: merged.attributes }
}

function toxicUpdate(
  input: unknown,
  current: { name: string; type: string; stream: string },
): { attributes: unknown; toxicity: number | undefined } {
  const body = expectObject(input ?? {}, 'toxic', TOXIC_FIELDS)
  // Clients send the whole toxic back; name, type and stream may come along but cannot change.
  for (const field of ['name', 'type', 'stream'] as const) {
    const value = body[field]
    if (value !== undefined && value !== current[field]) {
      throw new ControlError(
        400,
        `bad request body: ${field} cannot be changed (is ${JSON.stringify(current[field])}, got ${JSON.stringify(value)}); delete the toxic and add a new one`,
      )
    }
  }
  return { attributes: body.attributes, toxicity: toxicity(body) }
}
