// The named proxies behind the toxiproxy-compatible API, with their toxics. A toxic is kept here in
// toxiproxy's terms and mirrored onto the running ImpairmentProxy as an impairment of the same name; a
// disabled proxy has no listener, and its toxics come back with it when it is enabled again.

import { formatHostPort } from '../../address.js'
import { ImpairmentError } from '../errors.js'
import { createProxyAt } from '../proxy.js'
import type { Impairment, ImpairmentProxy } from '../types.js'
import { comparableListen, dialTarget, listenAddress } from './go-address.js'
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

/** What creating or updating a proxy asks for; listen '' means 127.0.0.1 on a free port. */
export interface ProxySpec {
  name: string
  listen: string
  upstream: string
  enabled: boolean
}

/** What creating a toxic asks for: checked, but for its attributes (read once the name is known free). */
export interface ToxicSpec {
  name: string
  toxic: ToxicType
  stream: 'upstream' | 'downstream'
  toxicity: number
  attributes: unknown
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

/** What a populate did: the proxies created or kept in order, and the error that stopped it, if any. */
export interface PopulateResult {
  proxies: ProxyJson[]
  error?: ControlError
}

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
    const entry = newEntry(spec)
    if (spec.enabled) await start(entry)
    this.proxies.set(spec.name, entry)
    return proxyJson(entry)
  }

  /**
   * Creates or replaces each proxy in order, as toxiproxy's /populate: a proxy whose listen and upstream
   * are unchanged is kept with its toxics and connections; any other one of the same name is stopped and
   * replaced. The first failure stops the rest; the proxies before it stay and are reported with it.
   */
  async populate(specs: ProxySpec[]): Promise<PopulateResult> {
    const proxies: ProxyJson[] = []
    for (const spec of specs) {
      try {
        const existing = this.proxies.get(spec.name)
        if (existing && !differs(existing, spec.listen, spec.upstream)) {
          proxies.push(proxyJson(existing))
          continue
        }
        if (existing) await stop(existing)
        const entry = newEntry(spec)
        if (spec.enabled) await start(entry)
        this.proxies.set(spec.name, entry)
        proxies.push(proxyJson(entry))
      } catch (err) {
        if (err instanceof ControlError) return { proxies, error: err }
        throw err
      }
    }
    return { proxies }
  }

  /**
   * Changes listen, upstream or enabled; a changed address restarts the listener, keeping the toxics.
   * A listen that resolves to the address already bound ('localhost:PORT' for 127.0.0.1:PORT) is no change.
   */
  async update(name: string, change: Partial<Omit<ProxySpec, 'name'>>): Promise<ProxyJson> {
    const entry = this.get(name)
    const upstream = change.upstream ?? entry.upstream
    const enabled = change.enabled ?? entry.running !== undefined
    const changed = change.listen !== undefined && differs(entry, change.listen, entry.upstream)
    const listen = changed ? (change.listen as string) : entry.listen
    if (changed || upstream !== entry.upstream) {
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
      if (entry.running && entry.toxics.some(closesOnRemoval)) closeConnections(entry)
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
    const attributes = mergeAttributes(spec.toxic, spec.attributes, spec.toxic.defaults)
    const toxic: ToxicEntry = { ...spec, attributes }
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
    const attributes = mergeAttributes(toxic.toxic, attributesInput, toxic.attributes)
    const next: ToxicEntry = { ...toxic, attributes, toxicity: toxicity ?? toxic.toxicity }
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
    if (entry.running && closesOnRemoval(toxic)) closeConnections(entry)
    entry.running?.remove(toxic.name)
    entry.toxics = entry.toxics.filter((t) => t !== toxic)
  }

  private get(name: string): ProxyEntry {
    const entry = this.proxies.get(name)
    if (!entry) throw new ControlError(404, 'proxy not found')
    return entry
  }
}

/** Checks a toxic type name, returning its definition or toxiproxy's 400 "invalid toxic type". */
export function toxicType(type: unknown): ToxicType {
  const toxic = typeof type === 'string' ? TOXIC_TYPES.get(type) : undefined
  if (!toxic) throw new ControlError(400, 'invalid toxic type')
  return toxic
}

function newEntry(spec: ProxySpec): ProxyEntry {
  return { name: spec.name, listen: spec.listen, upstream: spec.upstream, running: undefined, toxics: [] }
}

/**
 * Whether listen or upstream would change, as toxiproxy's Differs: the listen is compared after
 * resolving ('localhost' is 127.0.0.1), the upstream as written. A listen that cannot be read is a 500.
 */
function differs(entry: ProxyEntry, listen: string, upstream: string): boolean {
  if (upstream !== entry.upstream) return true
  const wanted = comparableListen(listen)
  try {
    return comparableListen(entry.listen) !== wanted
  } catch {
    // A proxy created disabled on an unreadable listen keeps it as written until it changes.
    return true
  }
}

/** Starts a proxy for the entry's toxics on listen -> upstream, without touching the entry. */
async function open(entry: ProxyEntry, listen: string, upstream: string): Promise<ImpairmentProxy> {
  const impairments = entry.toxics.map(toImpairment).filter((i): i is Impairment => i !== null)
  const at = listenAddress(listen)
  try {
    return await createProxyAt({ impairments }, dialTarget(upstream), at)
  } catch (err) {
    throw startError(err, formatHostPort(at.host, at.port))
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

/** Go's wording for the bind errors a listen meets. */
const BIND_ERRORS: Record<string, string> = {
  EADDRINUSE: 'bind: address already in use',
  EADDRNOTAVAIL: 'bind: cannot assign requested address',
  EACCES: 'bind: permission denied',
}

/** A listen that fails is a 500 with Go's net.Listen message, as toxiproxy answers it. */
function startError(err: unknown, listen: string): ControlError {
  if (err instanceof ControlError) return err
  if (err instanceof ImpairmentError) return new ControlError(400, `bad request body: ${err.message}`)
  const code = (err as NodeJS.ErrnoException).code ?? ''
  const bind = BIND_ERRORS[code]
  if (bind) return new ControlError(500, `listen tcp ${listen}: ${bind}`)
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new ControlError(500, `listen tcp: lookup ${listen}: no such host`)
  }
  return new ControlError(500, `listen tcp ${listen}: ${(err as Error).message}`)
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

/** toxiproxy's timeout toxic closes every connection when it goes (its Cleanup), dropping what it held. */
function closesOnRemoval(toxic: ToxicEntry): boolean {
  return toxic.toxic.type === 'timeout'
}

/**
 * Closes every open connection of a running proxy, dropping what its stages hold: an outage that cuts
 * the connections open, removed in the same turn so that no new connection meets it.
 */
function closeConnections(entry: ProxyEntry): void {
  const running = entry.running
  if (!running) return
  let name = 'timeout-cleanup'
  while (entry.toxics.some((t) => t.name === name)) name += '_'
  running.add({ kind: 'outage', mode: 'refuse', cutExisting: true, name })
  running.remove(name)
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
