import { parseUrl } from '../address.js'
import { ConfigError } from '../errors/config-error.js'
import { MAX_TIMER_MS, rejectUnknownKeys } from '../errors/field-error.js'
import { isMultipathTarget, type MultipathTargetInput, multipathTargetUrl } from '../multipath/target.js'
import { HARD_MAX_PAYLOAD } from '../protocol/frames.js'
import { DATAGRAM_SIZE_RANGE } from '../transport/link.js'
import { resolveTarget, type TargetInput } from '../transport/target.js'

export { ConfigError } from '../errors/config-error.js'

import { type Duration, parseDuration } from './duration.js'
import type { ReportConfig, VerdictThresholds } from './types.js'

/** Something that can stand as a load target: a fabric node, a proxy, or anything with a url. */
export interface TargetLike {
  readonly url: string
  readonly fingerprint?: string | undefined
  /** Largest DATA payload the target accepts, when known (an in-process node's frame limit). */
  readonly maxPayload?: number
  stats?(): unknown
  kill?(): Promise<void>
}

/** How a target is reached, as the reference labels routes; counted per target in the report. */
export const ROUTE_MODES = ['direct', 'lan', 'ice', 'reverse', 'relay'] as const
export type LoadRouteMode = (typeof ROUTE_MODES)[number]

/** Scenario labels of the reference; the two NAT profiles give targets lan, ice, reverse, relay in turn. */
export const TOPOLOGY_PROFILES = ['public', 'nat-lan-relay', 'mixed-public-nat-lan-relay', 'custom'] as const

/** A target with the route mode it stands for: `{ url | node, routeMode }`. */
export interface RoutedTarget {
  url?: string
  node?: TargetLike | string
  routeMode: LoadRouteMode
}

/** A target entry of a load config. */
export type LoadTarget =
  | TargetLike
  | string
  | RoutedTarget
  | MultipathTargetInput
  | Extract<TargetInput, { readonly paths: unknown }>

function isRouted(entry: unknown): entry is RoutedTarget {
  return typeof entry === 'object' && entry !== null && ('routeMode' in entry || 'node' in entry)
}

/** The target itself of a config entry (a routed entry's node or url). */
export function targetOf(entry: LoadTarget): Exclude<LoadTarget, RoutedTarget> {
  if (!isRouted(entry)) return entry
  if (entry.node !== undefined) return entry.node
  const { routeMode: _m, node: _n, ...rest } = entry
  return rest as TargetLike
}

/** Configuration of one load run (the reference load tester's client flags, camelCased). */
export interface LoadConfig extends VerdictThresholds {
  /** Fabric nodes, proxies in front of them, or URLs ('tcp://127.0.0.1:4000', 'quic://…'). */
  targets: LoadTarget[]
  /** Scenario label: 'public', 'nat-lan-relay', 'mixed-public-nat-lan-relay' or 'custom'. */
  topologyProfile?: (typeof TOPOLOGY_PROFILES)[number]
  /** Logical streams to run; default 100. */
  streams?: number
  /** Streams in flight at once, across all workers; default 16 (never more than streams). */
  concurrency?: number
  /** Payload bytes each bulk stream carries; default 64 KiB. */
  bytesPerStream?: number
  /** Payload bytes per DATA frame; default 16 KiB, at most 1 MiB. */
  payloadSize?: number
  /** Streams whose index is a multiple of N (0, N, 2N, …) are control traffic; 0 (default) disables. */
  controlEvery?: number
  /** Payload bytes each control stream carries; default 4096. */
  controlBytesPerStream?: number
  /** Close each channel when its stream completes (default true); false keeps them open until the run ends. */
  shortSessions?: boolean
  /** Retry a failed stream on the next target; default true. */
  poolFailover?: boolean
  /** Give up on a connection attempt after this long; default 5 s. */
  connectTimeout?: Duration
  /** Bound on one whole logical stream, failovers and connection set-up included; default 30 s, 0 disables. */
  streamTimeout?: Duration
  /** Bound on the wait for one ACK; default 2 s, 0 disables. */
  ackTimeout?: Duration
  /**
   * A target whose attempt failed in a way that tells about the target (refused, reset, timed
   * out, TLS mismatch) stays out of placement for this long, for every worker; default 5 s, 0 disables.
   */
  targetQuarantineTtl?: Duration
  /** The same for failTarget, a known hard failure; default 5 min (never shorter than targetQuarantineTtl). */
  failureQuarantineTtl?: Duration
  /** Older name of targetQuarantineTtl; give one or the other. */
  targetQuarantine?: Duration
  /** Without soak: end the run after this long, cancelling streams in flight; with soak: keep starting streams until then. */
  duration?: Duration
  /** Keep generating streams until duration expires (duration defaults to 1 m). */
  soak?: boolean
  /** Hard bound on the whole run; default 10 m. */
  timeout?: Duration
  /** DATA frames in flight per channel; default 1 (stop-and-wait). */
  inflightFrames?: number
  /** Worker threads the streams are spread over; default 1. */
  workers?: number
  /** Move a stream to the next target when an ACK takes longer than maxAckMs (default false). */
  migrateSlowStreams?: boolean
  /** With migrateSlowStreams: an ACK slower than this many ms degrades its target; required then. */
  maxAckMs?: number
  /** Index of a target the test degrades from outside (through a proxy); the verdict expects it seen. */
  impairTarget?: number
  /** Also write the report, as indented JSON, to this file when the run ends. */
  reportPath?: string
  /** How often every thread samples its resources; default 1 s, 0 = at start and end only. */
  resourceSampleInterval?: Duration
  /** PING every target before placement; targets that do not answer get no streams (default false). */
  probeTargets?: boolean
  /** With probing: targets whose median probe RTT is over this many ms get no streams; setting it turns probing on. */
  maxTargetRttMs?: number
  /** Index of a target to kill during the run (an in-process node); needs failAfter. */
  failTarget?: number
  /** How long into the run failTarget is killed ('0s' kills it at once); required with failTarget. */
  failAfter?: Duration
  /**
   * QUIC only: largest UDP datagram the client sends, 1200 to 20480 bytes. Default: 20 KiB
   * between loopback addresses, 1452 elsewhere. Set 1452 (or 1200) for loss and reorder scenarios
   * through a UDP proxy, so one lost datagram is one real packet.
   */
  maxDatagramSize?: number
}

/** A validated config: what the report records, plus what the runner needs beyond it. */
export interface ResolvedConfig extends ReportConfig {
  fingerprints: Array<string | undefined>
}

const THRESHOLDS = [
  'maxAckP95Ms',
  'maxAckP99Ms',
  'maxControlAckP95Ms',
  'maxSetupP95Ms',
  'maxSetupP99Ms',
  'minThroughputMbps',
  'minChannelChurnPerSec',
  'maxRerouteP95Ms',
  'maxRerouteP99Ms',
  'maxTargetAckMs',
  'maxActiveResourceDelta',
  'maxHeapDeltaMb',
  'maxOpenFdDelta',
  'maxOpenFds',
] as const
// Every key of LoadConfig, once: the compiler refuses a missing or an extra one.
const KEY_TABLE = {
  targets: true,
  topologyProfile: true,
  streams: true,
  concurrency: true,
  bytesPerStream: true,
  payloadSize: true,
  controlEvery: true,
  controlBytesPerStream: true,
  shortSessions: true,
  poolFailover: true,
  connectTimeout: true,
  streamTimeout: true,
  ackTimeout: true,
  targetQuarantineTtl: true,
  failureQuarantineTtl: true,
  targetQuarantine: true,
  duration: true,
  soak: true,
  timeout: true,
  inflightFrames: true,
  workers: true,
  failTarget: true,
  failAfter: true,
  probeTargets: true,
  maxTargetRttMs: true,
  migrateSlowStreams: true,
  maxAckMs: true,
  impairTarget: true,
  maxDatagramSize: true,
  requireQuic: true,
  maxAckP95Ms: true,
  maxAckP99Ms: true,
  maxControlAckP95Ms: true,
  maxSetupP95Ms: true,
  maxSetupP99Ms: true,
  minThroughputMbps: true,
  minChannelChurnPerSec: true,
  maxRerouteP95Ms: true,
  maxRerouteP99Ms: true,
  maxTargetAckMs: true,
  checkDistribution: true,
  resourceSampleInterval: true,
  reportPath: true,
  maxActiveResourceDelta: true,
  maxHeapDeltaMb: true,
  maxOpenFdDelta: true,
  maxOpenFds: true,
} as const satisfies Record<keyof LoadConfig, true>
const KEYS = new Set(Object.keys(KEY_TABLE))
const SCHEMES = ['tcp', 'quic']

function integer(
  config: Record<string, unknown>,
  field: string,
  fallback: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = config[field] ?? fallback
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    const rule =
      min === 1 && max === Number.MAX_SAFE_INTEGER
        ? 'a positive integer'
        : min === 0 && max === Number.MAX_SAFE_INTEGER
          ? 'a non-negative integer'
          : `an integer from ${min} to ${max}`
    throw new ConfigError(field, value, rule)
  }
  return value as number
}

function boolean(config: Record<string, unknown>, field: string, fallback: boolean): boolean {
  const value = config[field] ?? fallback
  if (typeof value !== 'boolean') throw new ConfigError(field, value, 'a boolean')
  return value
}

function duration(config: Record<string, unknown>, field: string, fallback: number, positive = true): number {
  const raw = config[field]
  if (raw === undefined) return fallback
  const ms = parseDuration(raw)
  if (ms === undefined || (positive && ms === 0)) {
    throw new ConfigError(
      field,
      raw,
      `a ${positive ? 'positive ' : ''}duration (milliseconds as a number, or a string such as '500ms', '2s', '1m')`,
    )
  }
  if (ms > MAX_TIMER_MS) {
    throw new ConfigError(
      field,
      raw,
      `a duration of at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest timer Node keeps)`,
    )
  }
  return ms
}

/** Parse 'scheme://host:port' into its parts, or throw a ConfigError for the given field. */
export function parseTargetUrl(url: string, field: string): { scheme: string; host: string; port: number } {
  return parseUrl(url, field, {
    schemes: SCHEMES,
    rule: "a fabric node, a proxy, or a URL 'quic://host:port' or 'tcp://host:port'",
    ErrorClass: ConfigError,
  })
}

const NAT_ROUTES: readonly LoadRouteMode[] = ['lan', 'ice', 'reverse', 'relay']

/** A target's route mode: its own, else the profile's (the NAT profiles cycle lan, ice, reverse, relay), else direct. */
function routeModeOf(entry: unknown, index: number, profile: string): LoadRouteMode {
  if (isRouted(entry) && entry.routeMode !== undefined) {
    if (!ROUTE_MODES.includes(entry.routeMode)) {
      throw new ConfigError(
        `targets[${index}].routeMode`,
        entry.routeMode,
        `one of ${ROUTE_MODES.map((m) => `'${m}'`).join(', ')}`,
      )
    }
    return entry.routeMode
  }
  return profile === 'nat-lan-relay' || profile === 'mixed-public-nat-lan-relay'
    ? NAT_ROUTES[index % NAT_ROUTES.length]!
    : 'direct'
}

/**
 * `workers`, refused above 1 when a target (or a multipath target's path) is QUIC: two worker
 * threads driving the native QUIC binding at once corrupt V8's handles and bring the process
 * down (segfaults, "Check failed: node->IsInUse()") in most runs; one thread is safe.
 */
function workersFor(config: Record<string, unknown>, targets: readonly string[]): number {
  const workers = integer(config, 'workers', 1, 1, 64)
  const quic = targets.find(
    (url) => url.startsWith('quic://') || (url.startsWith('multipath:') && url.includes('quic://')),
  )
  if (workers > 1 && quic !== undefined) {
    throw new ConfigError(
      'workers',
      workers,
      `1 when a target is QUIC (${quic}): two worker threads using the native QUIC binding at once crash the process`,
    )
  }
  return workers
}

/** failTarget, impairTarget: an index of targets, or -1 when unset. */
function indexOfTargets(config: Record<string, unknown>, field: string, count: number): number {
  const value = config[field]
  if (value === undefined) return -1
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) >= count) {
    throw new ConfigError(field, value, `an index of targets (0..${count - 1})`)
  }
  return value as number
}

/** Validate a LoadConfig and fill in defaults; throws one ConfigError naming the first bad field. */
export function resolveConfig(input: LoadConfig): ResolvedConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError('config', input, 'an object')
  }
  const config = input as unknown as Record<string, unknown>
  rejectUnknownKeys(config, KEYS, 'load config', ConfigError)
  const entries = config.targets
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new ConfigError('targets', entries, 'a non-empty array of fabric nodes, proxies or URLs')
  }
  const profile = config.topologyProfile ?? ''
  if (profile !== '' && !TOPOLOGY_PROFILES.includes(profile as never)) {
    throw new ConfigError(
      'topologyProfile',
      profile,
      `one of ${TOPOLOGY_PROFILES.map((p) => `'${p}'`).join(', ')}`,
    )
  }
  const routeModes = entries.map((entry: unknown, index) => routeModeOf(entry, index, profile as string))
  const rawTargets = entries.map((entry: LoadTarget) => targetOf(entry))
  const targets: string[] = []
  const fingerprints: Array<string | undefined> = []
  rawTargets.forEach((input, index) => {
    const field = `targets[${index}]`
    // A multipath target is one connection over several paths; workers dial it by its URL.
    if (isMultipathTarget(input)) {
      targets.push(multipathTargetUrl(input, field))
      fingerprints.push(undefined)
      return
    }
    const target = resolveTarget(input, field)
    if (target.paths.length !== 1) {
      targets.push(multipathTargetUrl({ multipath: target.paths, scheduler: target.route }, field))
      fingerprints.push(undefined)
      return
    }
    const path = target.paths[0]!
    targets.push(path.url)
    fingerprints.push(path.fingerprint)
  })
  const soak = boolean(config, 'soak', false)
  const streams = integer(config, 'streams', 100, 1)
  const payloadSize = integer(config, 'payloadSize', 16 * 1024, 1, HARD_MAX_PAYLOAD)
  const durationMs = duration(config, 'duration', soak ? 60_000 : 0, false)
  if (config.targetQuarantine !== undefined && config.targetQuarantineTtl !== undefined) {
    throw new ConfigError(
      'targetQuarantine',
      config.targetQuarantine,
      'left out when targetQuarantineTtl is set (it is the older name of the same setting)',
    )
  }
  const quarantineField =
    config.targetQuarantineTtl !== undefined ? 'targetQuarantineTtl' : 'targetQuarantine'
  const targetQuarantineMs = duration(config, quarantineField, 5000, false)
  const resolved: ResolvedConfig = {
    targets,
    topologyProfile: profile as string,
    routeModes,
    streams,
    concurrency: Math.min(integer(config, 'concurrency', 16, 1), soak ? Number.MAX_SAFE_INTEGER : streams),
    bytesPerStream: integer(config, 'bytesPerStream', 64 * 1024, 1),
    payloadSize,
    controlEvery: integer(config, 'controlEvery', 0, 0),
    controlBytesPerStream: integer(config, 'controlBytesPerStream', 4096, 1),
    shortSessions: boolean(config, 'shortSessions', true),
    poolFailover: boolean(config, 'poolFailover', true),
    connectTimeoutMs: duration(config, 'connectTimeout', 5000),
    streamTimeoutMs: duration(config, 'streamTimeout', 30_000, false),
    ackTimeoutMs: duration(config, 'ackTimeout', 2000, false),
    targetQuarantineMs,
    failureQuarantineMs: Math.max(
      targetQuarantineMs,
      duration(config, 'failureQuarantineTtl', 5 * 60_000, false),
    ),
    durationMs,
    soak,
    timeoutMs: duration(config, 'timeout', 600_000),
    inflightFrames: integer(config, 'inflightFrames', 1, 1, 1024),
    workers: workersFor(config, targets),
    failTarget: indexOfTargets(config, 'failTarget', targets.length),
    failAfterMs: duration(config, 'failAfter', 0, false),
    fingerprints,
    requireQuic: boolean(config, 'requireQuic', false),
    checkDistribution: boolean(config, 'checkDistribution', false),
    resourceSampleIntervalMs: duration(config, 'resourceSampleInterval', 1000, false),
    probeTargets: false,
    maxTargetRttMs: 0,
    migrateSlowStreams: boolean(config, 'migrateSlowStreams', false),
    maxAckMs: 0,
    impairTarget: indexOfTargets(config, 'impairTarget', targets.length),
  }
  const maxAckMs = config.maxAckMs ?? 0
  if (typeof maxAckMs !== 'number' || !Number.isFinite(maxAckMs) || maxAckMs < 0) {
    throw new ConfigError('maxAckMs', maxAckMs, 'a non-negative number of ms (0 = off)')
  }
  resolved.maxAckMs = maxAckMs
  if (config.reportPath !== undefined) {
    if (typeof config.reportPath !== 'string' || config.reportPath.trim() === '') {
      throw new ConfigError('reportPath', config.reportPath, 'a non-empty file path')
    }
    resolved.reportPath = config.reportPath
  }
  if (resolved.migrateSlowStreams && maxAckMs === 0) {
    throw new ConfigError(
      'maxAckMs',
      config.maxAckMs,
      'a positive number of ms when migrateSlowStreams is on',
    )
  }
  const maxTargetRttMs = config.maxTargetRttMs ?? 0
  if (typeof maxTargetRttMs !== 'number' || !Number.isFinite(maxTargetRttMs) || maxTargetRttMs < 0) {
    throw new ConfigError('maxTargetRttMs', maxTargetRttMs, 'a non-negative number of ms (0 = no limit)')
  }
  resolved.maxTargetRttMs = maxTargetRttMs
  // As the reference: a RTT limit needs the probe, so it turns probing on.
  resolved.probeTargets = boolean(config, 'probeTargets', false) || maxTargetRttMs > 0
  if (config.maxDatagramSize !== undefined) {
    resolved.maxDatagramSize = integer(
      config,
      'maxDatagramSize',
      0,
      DATAGRAM_SIZE_RANGE.min,
      DATAGRAM_SIZE_RANGE.max,
    )
  }
  rawTargets.forEach((target, index) => {
    const limit =
      typeof target === 'object' && target !== null ? (target as TargetLike).maxPayload : undefined
    if (typeof limit === 'number' && payloadSize > limit) {
      throw new ConfigError(
        'payloadSize',
        payloadSize,
        `at most ${limit}, the largest payload targets[${index}] (${targets[index]}) accepts (its maxPayload)`,
      )
    }
  })
  if (soak && durationMs === 0)
    throw new ConfigError('duration', config.duration, 'a positive duration when soak is on')
  if (
    resolved.failTarget >= 0 &&
    typeof (rawTargets[resolved.failTarget] as TargetLike).kill !== 'function'
  ) {
    throw new ConfigError(
      'failTarget',
      resolved.failTarget,
      'the index of a target that is an in-process node (it has kill())',
    )
  }
  if (resolved.failTarget >= 0 && config.failAfter === undefined) {
    throw new ConfigError(
      'failAfter',
      undefined,
      `a duration when failTarget is set: how long into the run targets[${resolved.failTarget}] is killed ('0s' kills it at once)`,
    )
  }
  for (const field of THRESHOLDS) {
    const value = config[field]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new ConfigError(field, value, 'a non-negative number (0 disables the check)')
    }
    resolved[field] = value
  }
  return resolved
}
