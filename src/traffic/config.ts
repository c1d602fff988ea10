// A traffic run's config: ctraffic's knobs (address, nconn, rate, psize, timeout, reconnect, udp)
// under their own names, checked up front with errors that name the field, value and rule.
import { formatHostPort, parseHostPort, parseUrl } from '../address.js'
import { ConfigError } from '../errors/config-error.js'
import { MAX_TIMER_MS, rejectUnknownKeys } from '../errors/field-error.js'
import { type Duration, parseDuration } from '../load/duration.js'

/** A disturbance: what to do and when, counted from the run's start. */
export interface Disturbance {
  /** When, e.g. '2s' or 2000 (ms). */
  at: Duration
  /** What to do (kill an echo server, flap a proxy, ...); its promise is not awaited by the run. */
  do: () => unknown
  /** A label for the timeline and the report; default 'disturbance N'. */
  name?: string
}

/** Something with a URL: an echo server, an echo front, a proxy. */
export interface TrafficTargetLike {
  readonly url: string
}

/** What traffic.run() and runTraffic() take. */
export interface TrafficConfig {
  /** The echo server (or front, or proxy) to send to, or its 'tcp://'/'udp://' URL. */
  target?: TrafficTargetLike | string
  /** 'host:port' as ctraffic's -address takes it (instead of target). */
  address?: string
  /** Connections (ctraffic -nconn); default 1. */
  nconn?: number
  /** KB/s (1 KB = 1024 B) over all connections together (ctraffic -rate); default 10. */
  rate?: number
  /** Bytes per packet (ctraffic -psize), at least 64; default 1024. */
  psize?: number
  /** Length of the run (ctraffic -timeout); default '10s'. More than 2 s: no connection starts in the last 2 s. */
  duration?: Duration
  /** Replace a failed connection at once (ctraffic -reconnect); default true. */
  reconnect?: boolean
  /** Datagrams instead of a stream (ctraffic -udp); default from the target's scheme, else false. */
  udp?: boolean
  /** Disturbances during the run, marked in the timeline and events. */
  disturb?: Disturbance[]
  /** Worker threads generating the traffic; default 1. */
  workers?: number
  /** Connections (re-connects included) per nconn slot before the run gives up (ctraffic -retries); default 10. */
  retries?: number
  /** Write the run's timeline picture (SVG) to this file when it ends. */
  svgPath?: string
  /** Called once a second with ctraffic's monitor line ('Conn act/fail/connecting: ...'). */
  monitor?: (line: string) => void
}

/** A checked config with every default filled in. */
export interface ResolvedTrafficConfig {
  host: string
  port: number
  /** 'HOST:PORT' as ctraffic prints it. */
  address: string
  nconn: number
  rate: number
  psize: number
  durationMs: number
  reconnect: boolean
  udp: boolean
  workers: number
  retries: number
  disturb: Array<{ atMs: number; name: string }>
  svgPath?: string
}

const KEYS = Object.keys({
  target: true,
  address: true,
  nconn: true,
  rate: true,
  psize: true,
  duration: true,
  reconnect: true,
  udp: true,
  disturb: true,
  workers: true,
  retries: true,
  svgPath: true,
  monitor: true,
} satisfies Record<keyof TrafficConfig, true>)

/** Most connections one run may hold. */
export const MAX_CONNECTIONS = 100_000

function integer(value: unknown, field: string, min: number, max: number, fallback: number): number {
  const n = value ?? fallback
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(field, value, `an integer from ${min} to ${max}`)
  }
  return n
}

function flag(value: unknown, field: string, fallback: boolean): boolean {
  const b = value ?? fallback
  if (typeof b !== 'boolean') throw new ConfigError(field, value, 'true or false')
  return b
}

function targetOf(config: TrafficConfig): { host: string; port: number; scheme?: string } {
  if (config.target !== undefined && config.address !== undefined) {
    throw new ConfigError(
      'address',
      config.address,
      'left out when target is given (one of target or address)',
    )
  }
  if (config.address !== undefined)
    return parseHostPort(config.address, 'address', { ErrorClass: ConfigError })
  const target = config.target
  if (target === undefined) {
    throw new ConfigError('target', target, "an echo server or a 'tcp://'/'udp://' URL (or give address)")
  }
  const url = typeof target === 'string' ? target : (target as TrafficTargetLike)?.url
  return parseUrl(url, 'target', { ErrorClass: ConfigError, schemes: ['tcp', 'udp'] })
}

function disturbances(value: unknown, durationMs: number): ResolvedTrafficConfig['disturb'] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw new ConfigError('disturb', value, 'an array of { at, do }')
  return value.map((item: unknown, i) => {
    const field = `disturb[${i}]`
    if (typeof item !== 'object' || item === null) throw new ConfigError(field, item, 'an object { at, do }')
    rejectUnknownKeys(item, ['at', 'do', 'name'], field, ConfigError)
    const { at, do: action, name } = item as Disturbance
    const atMs = parseDuration(at)
    if (atMs === undefined || atMs >= durationMs) {
      throw new ConfigError(`${field}.at`, at, `a duration ('2s', 500) within the run's ${durationMs} ms`)
    }
    if (typeof action !== 'function') throw new ConfigError(`${field}.do`, action, 'a function')
    if (name !== undefined && typeof name !== 'string')
      throw new ConfigError(`${field}.name`, name, 'a string')
    return { atMs, name: name ?? `disturbance ${i + 1}` }
  })
}

/** Check a traffic config and fill in ctraffic's defaults; throws a ConfigError naming the first bad field. */
export function resolveTrafficConfig(config: TrafficConfig): ResolvedTrafficConfig {
  if (typeof config !== 'object' || config === null)
    throw new ConfigError('traffic config', config, 'an object')
  rejectUnknownKeys(config, KEYS, 'traffic config', ConfigError)
  const { host, port, scheme } = targetOf(config)
  const udp = flag(config.udp, 'udp', scheme === 'udp')
  if (scheme !== undefined && udp !== (scheme === 'udp')) {
    throw new ConfigError('udp', config.udp, `${scheme === 'udp'} for a ${scheme}:// target`)
  }
  const rate = config.rate ?? 10
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0 || rate > 10_000_000) {
    throw new ConfigError('rate', config.rate, 'a number of KB/s above 0 and at most 10000000')
  }
  const durationMs = parseDuration(config.duration ?? '10s')
  if (durationMs === undefined || durationMs <= 2000) {
    throw new ConfigError(
      'duration',
      config.duration,
      "a duration of more than 2 s ('10s'): as in ctraffic, no connection starts in a run's last 2 s",
    )
  }
  if (durationMs > MAX_TIMER_MS) {
    throw new ConfigError(
      'duration',
      config.duration,
      `a duration of at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest timer Node keeps)`,
    )
  }
  const nconn = integer(config.nconn, 'nconn', 1, MAX_CONNECTIONS, 1)
  if (config.monitor !== undefined && typeof config.monitor !== 'function') {
    throw new ConfigError('monitor', config.monitor, 'a function taking one line')
  }
  if (config.svgPath !== undefined && (typeof config.svgPath !== 'string' || config.svgPath.length === 0)) {
    throw new ConfigError('svgPath', config.svgPath, 'a file path')
  }
  const resolved: ResolvedTrafficConfig = {
    host,
    port,
    address: formatHostPort(host, port),
    nconn,
    rate,
    psize: integer(config.psize, 'psize', 64, 65_507, 1024),
    durationMs,
    reconnect: flag(config.reconnect, 'reconnect', true),
    udp,
    workers: Math.min(integer(config.workers, 'workers', 1, 16, 1), nconn),
    retries: integer(config.retries, 'retries', 1, 1000, 10),
    disturb: disturbances(config.disturb, durationMs),
  }
  if (config.svgPath !== undefined) resolved.svgPath = config.svgPath
  return resolved
}
