// The named proxies behind the toxiproxy-compatible API, with their toxics. A toxic is kept here in
// toxiproxy's terms and mirrored onto the running ImpairmentProxy as an impairment of the same name; a
// disabled proxy has no listener, and its toxics come back with it when it is enabled again.

import { formatHostPort, parseHostPort } from '../../address.js'
import { ImpairmentError } from '../errors.js'
import { createProxy } from '../index.js'
import type { Impairment, ImpairmentProxy } from '../types.js'
import { ControlError } from './http.js'
import { mergeAttributes, TOXIC_TYPES, type ToxicAttributes, type ToxicType } from './toxics/index.js'

/** A toxic as toxiproxy shows it. */
export interface ToxicJson {
  attributes: ToxicAttributes
  name: string
  type: string
  stream: 'upstream' | 'downstream'
  toxicity: number
}

/** A proxy as toxiproxy shows it. */
export interface ProxyJson {
  name: string
  listen: string
  upstream: string
  enabled: boolean
  toxics: ToxicJson[]
}

/** What creating or updating a proxy asks for. */
export interface ProxySpec {
  name: string
  listen: string
  upstream: string
  enabled: boolean
}

/** What creating a toxic asks for, already checked. */
export interface ToxicSpec {
  name: string
  toxic: ToxicType
  stream: 'upstream' | 'downstream'
  toxicity: number
  attributes: ToxicAttributes
}

interface ToxicEntry {
  toxic: ToxicType
  name: string
  stream: 'upstream' | 'downstream'
  toxicity: number
  attributes: ToxicAttributes
}

interface ProxyEntry {
  name: string
  /** As asked for until the first start, then the address really bound (as toxiproxy reports it). */
  listen: string
  upstream: string
  running: ImpairmentProxy | undefined
  toxics: ToxicEntry[]
}

/** The default listen address when a proxy is created without one. */
export const DEFAULT_LISTEN = '127.0.0.1:0'

/** The proxies of one control server, by name. */
export class ProxyRegistry {
  private readonly proxies = new Map<string, ProxyEntry>()

  /** Every proxy as toxiproxy's GET /proxies shows them (an object keyed by name). */
  all(): Record<string, ProxyJson> {
    const out: Record<string, ProxyJson> = {}
    for (const entry of this.proxies.values()) out[entry.name] = proxyJson(entry)
    return out
  }

  /** One proxy, or 404. */
  show(name: string): ProxyJson {
    return proxyJson(this.get(name))
  }

  has(name: string): boolean {
    return this.proxies.has(name)
  }

  /** Creates a proxy (409 when the name is taken) and starts it when enabled. */
  async create(spec: ProxySpec): Promise<ProxyJson> {
    if (this.proxies.has(spec.name)) throw new ControlError(409, 'proxy already exists')
    const entry: ProxyEntry = {
      name: spec.name,
      listen: spec.listen,
      upstream: spec.upstream,
      running: undefined,
      toxics: [],
    }
    if (spec.enabled) await start(entry)
    this.proxies.set(spec.name, entry)
    return proxyJson(entry)
  }

  /**
   * Creates or replaces each proxy, as toxiproxy's /populate: a proxy whose listen and upstream are
   * unchanged is kept with its toxics; any other one of the same name is stopped and replaced.
   */
  async populate(specs: ProxySpec[]): Promise<ProxyJson[]> {
    const out: ProxyJson[] = []
    for (const spec of specs) {
      const existing = this.proxies.get(spec.name)
      if (existing && existing.listen === spec.listen && existing.upstream === spec.upstream) {
        out.push(proxyJson(existing))
        continue
      }
      if (existing) {
        await stop(existing)
        this.proxies.delete(spec.name)
      }
      out.push(await this.create(spec))
    }
    return out
  }

  /** Changes listen, upstream or enabled; a changed address restarts the listener, keeping the toxics. */
  async update(name: string, change: Partial<Omit<ProxySpec, 'name'>>): Promise<ProxyJson> {
    const entry = this.get(name)
    const listen = change.listen ?? entry.listen
    const upstream = change.upstream ?? entry.upstream
    const enabled = change.enabled ?? entry.running !== undefined
    if (listen !== entry.listen || upstream !== entry.upstream) {
      if (!enabled) {
        await stop(entry)
        entry.listen = listen
        entry.upstream = upstream
      } else if (listen !== entry.listen || !entry.running) {
        // Bind the new listener first, so a refused address leaves the old one and its connections alone.
        const next = await open(entry, listen, upstream)
        await stop(entry)
        adopt(entry, next, upstream)
      } else {
        // Same address, new upstream: the listener has to be let go before it can be bound again.
        await stop(entry)
        try {
          adopt(entry, await open(entry, listen, upstream), upstream)
        } catch (err) {
          await start(entry).catch(() => undefined)
          throw err
        }
      }
    } else if (enabled && !entry.running) await start(entry)
    else if (!enabled && entry.running) await stop(entry)
    return proxyJson(entry)
  }

  /** Stops and forgets a proxy, or 404. */
  async remove(name: string): Promise<void> {
    const entry = this.get(name)
    await stop(entry)
    this.proxies.delete(name)
  }

  /** Enables every proxy and removes every toxic (toxiproxy's POST /reset). */
  async reset(): Promise<void> {
    for (const entry of this.proxies.values()) {
      entry.toxics = []
      if (entry.running) entry.running.clear()
      else await start(entry)
    }
  }

  /** Stops every proxy. */
  async closeAll(): Promise<void> {
    const entries = [...this.proxies.values()]
    this.proxies.clear()
    await Promise.all(entries.map(stop))
  }

  /** A proxy's toxics, upstream ones first as toxiproxy lists them. */
  toxics(name: string): ToxicJson[] {
    return toxicsJson(this.get(name))
  }

  /** One toxic, or 404. */
  toxic(proxyName: string, toxicName: string): ToxicJson {
    return toxicJson(findToxic(this.get(proxyName), toxicName))
  }

  /** Adds a toxic (409 when the name is taken on this proxy). */
  addToxic(proxyName: string, spec: ToxicSpec): ToxicJson {
    const entry = this.get(proxyName)
    if (entry.toxics.some((t) => t.name === spec.name)) throw new ControlError(409, 'toxic already exists')
    const toxic: ToxicEntry = { ...spec }
    const impairment = toImpairment(toxic)
    if (entry.running && impairment) impairmentCall(() => entry.running!.add(impairment))
    entry.toxics.push(toxic)
    return toxicJson(toxic)
  }

  /** Changes a toxic's attributes (merged over the current ones) and toxicity, or 404. */
  updateToxic(
    proxyName: string,
    toxicName: string,
    attributesInput: unknown,
    toxicity: number | undefined,
  ): ToxicJson {
    const entry = this.get(proxyName)
    const toxic = findToxic(entry, toxicName)
    const merged = mergeAttributes(toxic.toxic, attributesInput, toxic.attributes)
    if ('error' in merged) throw new ControlError(400, `bad request body: ${merged.error}`)
    const next: ToxicEntry = { ...toxic, attributes: merged.attributes, toxicity: toxicity ?? toxic.toxicity }
    const before = toImpairment(toxic)
    const after = toImpairment(next)
    const running = entry.running
    if (running) {
      if (before && after) {
        const { kind: _kind, name: _name, ...patch } = after
        impairmentCall(() => running.update(toxic.name, patch))
      } else if (after) impairmentCall(() => running.add(after))
      else if (before) running.remove(toxic.name)
    }
    Object.assign(toxic, next)
    return toxicJson(toxic)
  }

  /** Removes a toxic, or 404. */
  removeToxic(proxyName: string, toxicName: string): void {
    const entry = this.get(proxyName)
    const toxic = findToxic(entry, toxicName)
    entry.running?.remove(toxic.name)
    entry.toxics = entry.toxics.filter((t) => t !== toxic)
  }

  private get(name: string): ProxyEntry {
    const entry = this.proxies.get(name)
    if (!entry) throw new ControlError(404, 'proxy not found')
    return entry
  }
}

/** Checks a toxic type name, returning its definition or a 400. */
export function toxicType(type: unknown): ToxicType {
  const toxic = typeof type === 'string' ? TOXIC_TYPES.get(type) : undefined
  if (!toxic) {
    throw new ControlError(
      400,
      `invalid toxic type: type must be one of ${[...TOXIC_TYPES.keys()].join(', ')}, got ${JSON.stringify(type) ?? 'nothing'}`,
    )
  }
  return toxic
}

/** Starts a proxy for the entry's toxics on listen -> upstream, without touching the entry. */
async function open(entry: ProxyEntry, listen: string, upstream: string): Promise<ImpairmentProxy> {
  const impairments = entry.toxics.map(toImpairment).filter((i): i is Impairment => i !== null)
  try {
    return await createProxy({ protocol: 'tcp', target: upstream, listen, impairments })
  } catch (err) {
    throw startError(err, listen)
  }
}

/** Makes `proxy` the entry's running proxy; listen becomes the address really bound, as toxiproxy reports it. */
function adopt(entry: ProxyEntry, proxy: ImpairmentProxy, upstream: string): void {
  entry.running = proxy
  entry.listen = formatHostPort(proxy.host, proxy.port)
  entry.upstream = upstream
}

async function start(entry: ProxyEntry): Promise<void> {
  adopt(entry, await open(entry, entry.listen, entry.upstream), entry.upstream)
}

async function stop(entry: ProxyEntry): Promise<void> {
  const running = entry.running
  entry.running = undefined
  await running?.close()
}

function startError(err: unknown, listen: string): ControlError {
  if (err instanceof ControlError) return err
  if (err instanceof ImpairmentError) return new ControlError(400, `bad request body: ${err.message}`)
  const code = (err as NodeJS.ErrnoException).code
  const message = `cannot listen on ${listen}: ${(err as Error).message}`
  if (code === 'EADDRINUSE') return new ControlError(409, message)
  if (code === 'EADDRNOTAVAIL' || code === 'EACCES' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new ControlError(400, message)
  }
  return new ControlError(500, message)
}

/** Runs a proxy call that may refuse an impairment, turning the refusal into a 400. */
function impairmentCall(call: () => unknown): void {
  try {
    call()
  } catch (err) {
    if (err instanceof ImpairmentError) throw new ControlError(400, `bad request body: ${err.message}`)
    throw err
  }
}

function toImpairment(toxic: ToxicEntry): Impairment | null {
  return toxic.toxic.toImpairment(toxic.attributes, {
    name: toxic.name,
    stream: toxic.stream,
    toxicity: toxic.toxicity,
  })
}

function findToxic(entry: ProxyEntry, name: string): ToxicEntry {
  const toxic = entry.toxics.find((t) => t.name === name)
  if (!toxic) throw new ControlError(404, 'toxic not found')
  return toxic
}

function toxicJson(toxic: ToxicEntry): ToxicJson {
  return {
    attributes: { ...toxic.attributes },
    name: toxic.name,
    type: toxic.toxic.type,
    stream: toxic.stream,
    toxicity: toxic.toxicity,
  }
}

function toxicsJson(entry: ProxyEntry): ToxicJson[] {
  const up = entry.toxics.filter((t) => t.stream === 'upstream')
  const down = entry.toxics.filter((t) => t.stream === 'downstream')
  return [...up, ...down].map(toxicJson)
}

function proxyJson(entry: ProxyEntry): ProxyJson {
  return {
    name: entry.name,
    listen: entry.listen,
    upstream: entry.upstream,
    enabled: entry.running !== undefined,
    toxics: toxicsJson(entry),
  }
}

/** Checks a proxy's 'host:port' fields, answering 400 with the rule broken. */
export function checkAddresses(spec: { listen?: string; upstream?: string }): void {
  try {
    if (spec.listen !== undefined) parseHostPort(spec.listen, 'listen', { allowPortZero: true })
    if (spec.upstream !== undefined) parseHostPort(spec.upstream, 'upstream')
  } catch (err) {
    throw new ControlError(400, `bad request body: ${(err as Error).message}`)
  }
}
