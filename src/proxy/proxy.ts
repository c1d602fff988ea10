import { formatHostPort } from '../address.js'
import { rejectUnknownKeys } from '../errors/field-error.js'
import { defaultEventBus, type EventBus } from '../run/events.js'
import { BusyPoll, DEFAULT_BUSY_POLL_US, MAX_BUSY_POLL_US } from './busy-poll.js'
import { parseDuration } from './duration.js'
import type { Engine, EngineContext } from './engine.js'
import { ImpairmentError } from './errors.js'
import { type ActiveImpairment, ImpairmentSet } from './impairment-set.js'
import { integer } from './impairments/params.js'
import { DEFAULT_SEED } from './random.js'
import {
  MAX_SCHEDULE_STEPS,
  parseFlap,
  parseTimeline,
  runSchedule,
  type ScheduledAction,
} from './schedule.js'
import { ProxyCounters } from './stats.js'
import { resolveListen, resolveTarget } from './target.js'
import { startTcpEngine } from './tcp-proxy.js'
import type {
  FlapOptions,
  Impairment,
  ImpairmentHandle,
  ImpairmentProxy,
  ProxyOptions,
  ProxyProtocol,
  ProxyStats,
  ProxyTarget,
  ScheduleHandle,
  TimelineStep,
} from './types.js'
import { startUdpEngine } from './udp-proxy.js'

/** Every field of ProxyOptions; the compiler keeps the list complete. */
const PROXY_OPTION_FIELDS = Object.keys({
  protocol: true,
  target: true,
  listen: true,
  seed: true,
  impairments: true,
  idleTimeout: true,
  maxRecords: true,
  busyPollUs: true,
  events: true,
} satisfies { [K in keyof ProxyOptions]-?: true })

/** Forwards impairment changes to the engine once it runs; before that the list is only recorded. */
class EngineRelay {
  engine: Engine | undefined
  added(entry: ActiveImpairment) {
    this.engine?.added(entry)
  }
  removed(entry: ActiveImpairment) {
    this.engine?.removed(entry)
  }
  replaced(previous: ActiveImpairment, next: ActiveImpairment) {
    this.engine?.replaced(previous, next)
  }
}

/** Create a TCP or UDP impairment proxy in front of a target, with its impairments in force from the first byte. */
export async function createProxy(options: ProxyOptions): Promise<ImpairmentProxy> {
  if (!options || typeof options !== 'object')
    throw new ImpairmentError('options', options, 'an object { protocol, target }')
  rejectUnknownKeys(options, PROXY_OPTION_FIELDS, 'proxy options', ImpairmentError)
  const protocol = options.protocol
  if (protocol !== 'tcp' && protocol !== 'udp')
    throw new ImpairmentError('protocol', protocol, "'tcp' or 'udp'")
  return launchProxy(
    options,
    protocol,
    resolveTarget(protocol, options.target),
    resolveListen(options.listen),
  )
}

/**
 * createProxy for a TCP target and listen address already resolved by a caller with its own address
 * rules (the toxiproxy-compatible API, which takes any address toxiproxy takes). Not a public API.
 */
export async function createProxyAt(
  options: Omit<ProxyOptions, 'protocol' | 'target' | 'listen'>,
  target: ProxyTarget,
  listen: { host: string; port: number },
): Promise<ImpairmentProxy> {
  rejectUnknownKeys(options, PROXY_OPTION_FIELDS, 'proxy options', ImpairmentError)
  return launchProxy(options, 'tcp', target, listen)
}

async function launchProxy(
  options: Omit<ProxyOptions, 'protocol' | 'target' | 'listen'>,
  protocol: ProxyProtocol,
  target: ProxyTarget,
  listen: { host: string; port: number },
): Promise<ImpairmentProxy> {
  const seed = options.seed === undefined ? DEFAULT_SEED : integer('seed', options.seed, 0)
  const idleTimeoutMs =
    options.idleTimeout === undefined ? 60_000 : parseDuration('idleTimeout', options.idleTimeout)
  const maxRecords = integer('maxRecords', options.maxRecords, 0, 1000)
  const busyPollUs = integer('busyPollUs', options.busyPollUs, 0, DEFAULT_BUSY_POLL_US)
  if (busyPollUs > MAX_BUSY_POLL_US)
    throw new ImpairmentError('busyPollUs', busyPollUs, `at most ${MAX_BUSY_POLL_US} (µs)`)
  // Checked before anything listens: a bad bus would otherwise first fail at the first event.
  const events = options.events ?? defaultEventBus
  if (typeof (events as Partial<EventBus> | null)?.emit !== 'function')
    throw new ImpairmentError('events', options.events, 'an EventBus')
  const relay = new EngineRelay()
  const impairments = new ImpairmentSet(protocol, relay)
  // Validated and in force before the listener exists, so no early connection escapes them.
  if (options.impairments !== undefined) impairments.set(options.impairments)
  const counters = new ProxyCounters(maxRecords)
  const busyPoll = new BusyPoll(busyPollUs)
  const context: EngineContext = {
    target,
    listen,
    seed,
    counters,
    busyPoll,
    impairments: () => impairments.all,
  }
  let engine: Engine
  try {
    engine = protocol === 'tcp' ? await startTcpEngine(context) : await startUdpEngine(context, idleTimeoutMs)
  } catch (error) {
    busyPoll.release()
    throw error
  }
  relay.engine = engine
  const proxy = new RunningProxy(protocol, target, seed, engine, impairments, counters, busyPoll, events)
  // The impairments given at creation are in force from the start; a report should see them too.
  if (options.impairments !== undefined) proxy.publishSet(proxy.list())
  return proxy
}

class RunningProxy implements ImpairmentProxy {
  readonly url: string
  readonly host: string
  readonly port: number
  readonly maxPayload: number | undefined
  private readonly schedules = new Set<ScheduleHandle>()
  private closing: Promise<void> | undefined
  private flaps = 0

  constructor(
    readonly protocol: ProxyProtocol,
    readonly target: ProxyTarget,
    readonly seed: number,
    private readonly engine: Engine,
    private readonly impairments: ImpairmentSet,
    private readonly counters: ProxyCounters,
    private readonly busyPoll: BusyPoll,
    private readonly events: EventBus,
  ) {
    this.host = engine.host
    this.port = engine.port
    this.url = `${target.scheme}://${formatHostPort(engine.host, engine.port)}`
    this.maxPayload = target.maxPayload
  }

  set(list: Impairment[]): ImpairmentHandle[] {
    const handles = this.impairments.set(list)
    this.publishSet(handles)
    return handles
  }

  /** Publish that `handles` became the whole impairment list. */
  publishSet(handles: readonly ImpairmentHandle[]): void {
    this.publish('impairment.set', { impairments: specs(handles) })
  }

  add(impairment: Impairment): ImpairmentHandle {
    const handle = this.impairments.add(impairment)
    this.publish('impairment.add', { impairment: spec(handle) })
    return handle
  }

  update(handle: ImpairmentHandle | string, patch: Partial<Impairment>): ImpairmentHandle {
    const next = this.impairments.update(handle, patch)
    this.publish('impairment.update', { impairment: spec(next) })
    return next
  }

  remove(handle: ImpairmentHandle | string): boolean {
    const entry = this.impairments.all.find((e) =>
      typeof handle === 'string' ? e.handle.name === handle : e.handle.id === handle?.id,
    )
    const removed = this.impairments.remove(handle)
    if (removed && entry) this.publish('impairment.remove', { impairment: spec(entry.handle) })
    return removed
  }

  clear(): void {
    for (const schedule of [...this.schedules]) schedule.cancel()
    const cleared = specs(this.list())
    this.impairments.clear()
    this.publish('impairment.clear', { impairments: cleared })
  }

  list(): ImpairmentHandle[] {
    return this.impairments.all.map((entry) => entry.handle)
  }

  stats(): ProxyStats {
    return this.counters.snapshot()
  }

  reset(): void {
    this.counters.reset()
  }

  flap(options: FlapOptions): ScheduleHandle {
    const { upMs, downMs, cycles } = parseFlap(options)
    if (cycles > MAX_SCHEDULE_STEPS)
      throw new ImpairmentError('flap.cycles', cycles, `at most ${MAX_SCHEDULE_STEPS}`)
    const name = `flap_${++this.flaps}`
    const outage: Impairment = { kind: 'outage', name, mode: options.mode, cutExisting: options.cutExisting }
    // Validate the outage now, so a bad mode fails here rather than at the first cycle; its errors
    // name the flap's own fields (flap.mode), which the caller wrote, not the outage's.
    try {
      new ImpairmentSet(this.protocol, { added() {}, removed() {}, replaced() {} }).add(outage)
    } catch (error) {
      if (error instanceof ImpairmentError && error.field.startsWith('outage.'))
        throw new ImpairmentError(`flap.${error.field.slice('outage.'.length)}`, error.value, error.rule)
      throw error
    }
    const actions: ScheduledAction[] = []
    // The cycle whose outage is in force, so a cancel that lifts it can say which.
    let down = 0
    for (let cycle = 0; cycle < cycles; cycle++) {
      const start = cycle * (upMs + downMs)
      actions.push({
        atMs: start,
        run: () => {
          down = cycle + 1
          const handle = this.impairments.add(outage)
          this.publish('flap.down', { cycle: cycle + 1, cycles, impairment: spec(handle) })
        },
      })
      actions.push({
        atMs: start + downMs,
        run: () => {
          this.impairments.remove(name)
          this.publish('flap.up', { cycle: cycle + 1, cycles, name })
        },
      })
    }
    return this.track(actions, cycles * (upMs + downMs), () => {
      // Cancelled during an outage (cancel(), clear(), close()): the target is reachable again.
      if (this.impairments.remove(name))
        this.publish('flap.up', { cycle: down, cycles, name, cancelled: true })
    })
  }

  timeline(steps: TimelineStep[]): ScheduleHandle {
    const check = new ImpairmentSet(this.protocol, { added() {}, removed() {}, replaced() {} })
    const parsed = parseTimeline(steps, (list, field) => {
      try {
        check.set(list)
      } catch (error) {
        // Say which step the bad impairment is in: 'timeline[2].set: latency.ms must be ...'.
        if (error instanceof ImpairmentError)
          throw new ImpairmentError(error.field, error.value, error.rule, `${field}: ${error.message}`)
        throw error
      }
    })
    const actions = parsed.map((step, index) => ({
      atMs: step.atMs,
      run: () => {
        const handles = this.impairments.set(step.set)
        this.publish('timeline.step', { step: index, atMs: step.atMs, impairments: specs(handles) })
      },
    }))
    const endMs = parsed[parsed.length - 1]?.atMs ?? 0
    return this.track(actions, endMs, () => {})
  }

  close(): Promise<void> {
    if (!this.closing) {
      for (const schedule of [...this.schedules]) schedule.cancel()
      this.closing = this.engine.close().finally(() => this.busyPoll.release())
      this.publish('proxy.close', {})
    }
    return this.closing
  }

  /** Tell the event bus what this proxy did. */
  private publish(type: string, details: Record<string, unknown>): void {
    this.events.emit({ source: `proxy ${this.url}`, type, ...details })
  }

  private track(actions: ScheduledAction[], endMs: number, onEnd: () => void): ScheduleHandle {
    if (this.closing) throw new ImpairmentError('proxy', this.url, 'open (it was closed)')
    let handle: ScheduleHandle | undefined
    handle = runSchedule(actions, endMs, () => {
      onEnd()
      if (handle) this.schedules.delete(handle)
    })
    this.schedules.add(handle)
    void handle.done.then(() => handle && this.schedules.delete(handle))
    return handle
  }
}

/** An impairment as events carry it: the normalized spec, as a plain object. */
function spec(handle: ImpairmentHandle): Impairment {
  return { ...handle.impairment }
}

/** The specs of several impairments, in order. */
function specs(handles: readonly ImpairmentHandle[]): Impairment[] {
  return handles.map(spec)
}
