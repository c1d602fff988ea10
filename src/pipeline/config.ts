import { readFileSync } from 'node:fs'
import { parseHostPort } from '../address.js'
import { ConfigError } from '../errors/config-error.js'
import { describeValue, rejectUnknownKeys } from '../errors/field-error.js'
import { type Duration, parseDuration } from '../load/duration.js'
import type { Impairment } from '../proxy/types.js'
import { namespacesUnavailable, VETH_MTU } from './netns.js'
import { HEADER_BYTES, IP_UDP_OVERHEAD } from './packet.js'

/** A hop quicksand runs: a relay on its own worker thread. */
export interface RelayHopOptions {
  /** Packets its buffer pool holds (default: the pipeline's bufferPackets). */
  bufferPackets?: number
  /** Microseconds each packet takes on egress, so a hop can be made slower than its ingress. */
  delayUs?: number
}

/**
 * A hop the user brings: a child process the pipeline starts, feeds at `listen` and reads
 * `[STATS:Ingress]` / `[STATS:Egress]` lines from (stdout or stderr); killed and reaped at teardown.
 * In `command`, `{listen}`, `{forward}` and `{hop}` are replaced by the addresses and the hop number
 * (also given as QUICKSAND_LISTEN, QUICKSAND_FORWARD and QUICKSAND_HOP in its environment).
 */
export interface CommandHopOptions {
  /** The program and its arguments (no shell). */
  command: string[]
  /** '127.0.0.1:port' the command receives on. */
  listen: string
  /** '127.0.0.1:port' it sends to: what follows it is bound there (default: a free port). */
  forward?: string
  /** How long it may take to listen ('5s', ms; default 10 s). */
  startTimeout?: Duration
}

/** A relay already running on loopback: its counters are unknown, its losses are `hop<N>.unobserved`. */
export interface AddressHopOptions {
  /** '127.0.0.1:port' it receives on. */
  address: string
  /** '127.0.0.1:port' it sends to: what follows it is bound there (required: the pipeline cannot tell it). */
  forward: string
}

/** Any hop of `hops`. */
export type PipelineHopOptions = RelayHopOptions | CommandHopOptions | AddressHopOptions

/** Where an impairment proxy stands: between hop i and hop i + 1 (0 is the generator, hops + 1 the sink). */
export interface PipelineImpairment {
  between: [number, number]
  impairments: Impairment[]
}

/** A hop as a test gets it in onStart(). */
export interface PipelineHopHandle {
  /** Numbered from 1, as the seed's MCR-1..3. */
  readonly hop: number
  readonly host: string
  readonly port: number
  /** 'host:port' of its ingress socket. */
  readonly address: string
  /** Its counters now. */
  stats(): Promise<HopCounters>
}

/** One hop's counters (totals since it started). */
export interface HopCounters {
  /** Datagrams read from the ingress socket. */
  received: number
  /** Datagrams that parsed as pipeline packets. */
  matched: number
  /** Pipeline packets dropped because the buffer pool was full. */
  bufExhaust: number
  /** Datagrams that did not parse (short, foreign). */
  parseErrors: number
  /** Of those, pipeline packets damaged on the way (the run's size and payload pattern, a broken header). */
  parseLost: number
  /** Packets handed to the egress socket. */
  submitted: number
  /** Sends that completed. */
  sent: number
  sendErrors: number
  /** Bytes sent. */
  bytes: number
  /** Packets waiting in the egress queue or in a send. */
  inPool: number
}

/** A hop's counters before its first packet. */
export function zeroHopCounters(): HopCounters {
  return {
    received: 0,
    matched: 0,
    bufExhaust: 0,
    parseErrors: 0,
    parseLost: 0,
    submitted: 0,
    sent: 0,
    sendErrors: 0,
    bytes: 0,
    inPool: 0,
  }
}

/** Configuration of runPipeline() and fabric.pipeline(). */
export interface PipelineConfig {
  /** How many hops, or each hop's options. */
  hops: number | PipelineHopOptions[]
  /** Packets per second the generator offers. */
  pps: number
  /** Bytes of each UDP payload (default 1400, as the seed settled on). */
  packetSize?: number
  /** Send this many packets ... */
  count?: number
  /** ... or send for this long ('2s', or ms). */
  duration?: Duration
  /** Buffer pool of each hop in packets (default 1024). */
  bufferPackets?: number
  /** Impairment proxies between neighbours. */
  impair?: PipelineImpairment[]
  /** Print `[STATS:Ingress]` / `[STATS:Egress]` lines every second. */
  stats?: boolean
  /** Each hop in its own network namespace joined by veth pairs (root and `ip` needed). */
  namespaces?: boolean
  /** Called once every hop listens, as the generator starts. */
  onStart?: (hops: PipelineHopHandle[]) => void | Promise<void>
}

/** Where a hop listens and forwards, when the user fixed it. */
export interface HopEndpoint {
  host: string
  port: number
}

/** A hop after defaults: `relay` is quicksand's, `command` a child process, `address` one already running. */
export interface ResolvedHop {
  kind: 'relay' | 'command' | 'address'
  bufferPackets: number
  delayUs: number
  command?: string[]
  listen?: HopEndpoint
  forward?: HopEndpoint
  startTimeoutMs?: number
}

/** The config after validation and defaults. */
export interface ResolvedPipelineConfig {
  hops: ResolvedHop[]
  pps: number
  packetSize: number
  count?: number
  durationMs?: number
  /** Packets the generator will send. */
  total: number
  bufferPackets: number
  impair: PipelineImpairment[]
  stats: boolean
  namespaces: boolean
}

export const DEFAULT_PACKET_SIZE = 1400
export const DEFAULT_BUFFER_PACKETS = 1024
const MAX_HOPS = 16
const MAX_PPS = 10_000_000
const MAX_COUNT = 2 ** 32 - 1
const MAX_UDP_PAYLOAD = 65_507
// Checked against the path MTU first, then against what a UDP datagram can carry.
const MAX_PACKET_SIZE = 1_000_000
const MAX_BUFFER_PACKETS = 1_000_000
const MAX_DELAY_US = 1_000_000
const MAX_DURATION_MS = 24 * 3_600_000

const CONFIG_KEYS = Object.keys({
  hops: true,
  pps: true,
  packetSize: true,
  count: true,
  duration: true,
  bufferPackets: true,
  impair: true,
  stats: true,
  namespaces: true,
  onStart: true,
} satisfies Record<keyof PipelineConfig, true>)
const HOP_KEYS = Object.keys({ bufferPackets: true, delayUs: true } satisfies Record<
  keyof RelayHopOptions,
  true
>)
const COMMAND_HOP_KEYS = Object.keys({
  command: true,
  listen: true,
  forward: true,
  startTimeout: true,
} satisfies Record<keyof CommandHopOptions, true>)
const ADDRESS_HOP_KEYS = Object.keys({ address: true, forward: true } satisfies Record<
  keyof AddressHopOptions,
  true
>)
const DEFAULT_START_TIMEOUT_MS = 10_000
const IMPAIR_KEYS = Object.keys({ between: true, impairments: true } satisfies Record<
  keyof PipelineImpairment,
  true
>)

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function integer(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(field, value, `an integer from ${min} to ${max}`)
  }
  return value
}

/** The loopback interface's MTU (65536 on Linux), read from sysfs. */
export function loopbackMtu(): number {
  try {
    const mtu = Number(readFileSync('/sys/class/net/lo/mtu', 'utf8').trim())
    return Number.isInteger(mtu) && mtu > 0 ? mtu : 65_536
  } catch {
    return 65_536
  }
}

function resolveHops(value: unknown, bufferPackets: number): ResolvedHop[] {
  if (typeof value === 'number') {
    const n = integer('hops', value, 1, MAX_HOPS)
    return Array.from({ length: n }, () => ({ kind: 'relay' as const, bufferPackets, delayUs: 0 }))
  }
  if (!Array.isArray(value) || value.length < 1 || value.length > MAX_HOPS) {
    throw new ConfigError(
      'hops',
      value,
      `a number of hops from 1 to ${MAX_HOPS} or an array of 1 to ${MAX_HOPS} hops`,
    )
  }
  const resolved = value.map((hop: unknown, i): ResolvedHop => {
    const field = `hops[${i}]`
    if (!isRecord(hop))
      throw new ConfigError(
        field,
        hop,
        'an object { bufferPackets?, delayUs? }, { command, listen, forward? } or { address, forward }',
      )
    if ('command' in hop) return resolveCommandHop(hop, field)
    if ('address' in hop) return resolveAddressHop(hop, field)
    rejectUnknownKeys(hop, HOP_KEYS, field, ConfigError, `${field}.`)
    return {
      kind: 'relay',
      bufferPackets:
        hop.bufferPackets === undefined
          ? bufferPackets
          : integer(`${field}.bufferPackets`, hop.bufferPackets, 1, MAX_BUFFER_PACKETS),
      delayUs: hop.delayUs === undefined ? 0 : integer(`${field}.delayUs`, hop.delayUs, 0, MAX_DELAY_US),
    }
  })
  return resolved
}

/** A user hop's address: on loopback (127.0.0.1), with a port. */
function loopbackAddress(field: string, value: unknown): HopEndpoint {
  const rule = "'127.0.0.1:port' (user hops run on loopback)"
  const address = parseHostPort(value, field, { ErrorClass: ConfigError, rule })
  if (address.host !== '127.0.0.1') throw new ConfigError(field, value, rule)
  return address
}

function resolveCommandHop(hop: Record<string, unknown>, field: string): ResolvedHop {
  rejectUnknownKeys(hop, COMMAND_HOP_KEYS, field, ConfigError, `${field}.`)
  const command = hop.command
  if (
    !Array.isArray(command) ||
    command.length === 0 ||
    !command.every((arg) => typeof arg === 'string') ||
    command[0] === ''
  ) {
    throw new ConfigError(
      `${field}.command`,
      command,
      'a non-empty array of strings: the program and its arguments',
    )
  }
  let startTimeoutMs = DEFAULT_START_TIMEOUT_MS
  if (hop.startTimeout !== undefined) {
    const ms = parseDuration(hop.startTimeout)
    if (ms === undefined || ms <= 0 || ms > 600_000)
      throw new ConfigError(
        `${field}.startTimeout`,
        hop.startTimeout,
        "a duration over 0 and at most 10 min ('5s' or ms)",
      )
    startTimeoutMs = ms
  }
  const resolved: ResolvedHop = {
    kind: 'command',
    bufferPackets: 0,
    delayUs: 0,
    command: [...(command as string[])],
    listen: loopbackAddress(`${field}.listen`, hop.listen),
    startTimeoutMs,
  }
  if (hop.forward !== undefined) resolved.forward = loopbackAddress(`${field}.forward`, hop.forward)
  return resolved
}

function resolveAddressHop(hop: Record<string, unknown>, field: string): ResolvedHop {
  rejectUnknownKeys(hop, ADDRESS_HOP_KEYS, field, ConfigError, `${field}.`)
  return {
    kind: 'address',
    bufferPackets: 0,
    delayUs: 0,
    listen: loopbackAddress(`${field}.address`, hop.address),
    forward: loopbackAddress(`${field}.forward`, hop.forward),
  }
}

/** A user hop's forward must be where the next user hop listens (no proxy between); no two hops share a port. */
function checkUserHopAddresses(hops: readonly ResolvedHop[], impair: readonly PipelineImpairment[]): void {
  const ports = new Map<number, string>()
  hops.forEach((hop, i) => {
    const field = hop.kind === 'address' ? `hops[${i}].address` : `hops[${i}].listen`
    if (hop.listen) {
      const other = ports.get(hop.listen.port)
      if (other !== undefined)
        throw new ConfigError(
          field,
          `127.0.0.1:${hop.listen.port}`,
          `a port no other hop uses (${other} uses it)`,
        )
      ports.set(hop.listen.port, field)
    }
    const next = hops[i + 1]
    // An impairment proxy after this hop listens at its forward address instead.
    const proxied = impair.some((entry) => entry.between[0] === i + 1)
    if (hop.forward && next?.listen && !proxied && hop.forward.port !== next.listen.port) {
      throw new ConfigError(
        `hops[${i}].forward`,
        `127.0.0.1:${hop.forward.port}`,
        `the address the next hop receives on (127.0.0.1:${next.listen.port}), or left out`,
      )
    }
  })
}

function resolveImpair(value: unknown, hops: number): PipelineImpairment[] {
  if (value === undefined) return []
  if (!Array.isArray(value))
    throw new ConfigError('impair', value, 'an array of { between: [i, i + 1], impairments }')
  const seen = new Set<number>()
  return value.map((entry: unknown, i) => {
    const field = `impair[${i}]`
    if (!isRecord(entry))
      throw new ConfigError(field, entry, 'an object { between: [i, i + 1], impairments }')
    rejectUnknownKeys(entry, IMPAIR_KEYS, field, ConfigError, `${field}.`)
    const between = entry.between
    if (
      !Array.isArray(between) ||
      between.length !== 2 ||
      !Number.isInteger(between[0]) ||
      between[1] !== between[0] + 1 ||
      between[0] < 0 ||
      between[0] > hops
    ) {
      throw new ConfigError(
        `${field}.between`,
        between,
        `neighbours [i, i + 1] with i from 0 (the generator) to ${hops} (the last hop, before the sink)`,
      )
    }
    if (seen.has(between[0])) {
      throw new ConfigError(`${field}.between`, between, 'a pair no other impair entry names')
    }
    seen.add(between[0])
    if (!Array.isArray(entry.impairments)) {
      throw new ConfigError(`${field}.impairments`, entry.impairments, 'an array of impairments')
    }
    return { between: [between[0], between[1]], impairments: entry.impairments as Impairment[] }
  })
}

/** Check a pipeline config and fill in its defaults; throws ConfigError naming field, value and rule. */
export function resolvePipelineConfig(config: unknown): ResolvedPipelineConfig {
  if (!isRecord(config))
    throw new ConfigError('config', config, 'an object { hops, pps, count | duration, ... }')
  rejectUnknownKeys(config, CONFIG_KEYS, 'pipeline config', ConfigError)
  if (config.namespaces !== undefined && typeof config.namespaces !== 'boolean')
    throw new ConfigError('namespaces', config.namespaces, 'a boolean')
  const namespaces = config.namespaces === true
  const unavailable = namespaces ? namespacesUnavailable() : undefined
  if (unavailable !== undefined) throw new ConfigError('namespaces', true, `false here: ${unavailable}`)
  const bufferPackets =
    config.bufferPackets === undefined
      ? DEFAULT_BUFFER_PACKETS
      : integer('bufferPackets', config.bufferPackets, 1, MAX_BUFFER_PACKETS)
  if (config.hops === undefined)
    throw new ConfigError('hops', undefined, `a number of hops from 1 to ${MAX_HOPS} or an array of hops`)
  const hops = resolveHops(config.hops, bufferPackets)
  const pps = integer('pps', config.pps, 1, MAX_PPS)
  const packetSize =
    config.packetSize === undefined
      ? DEFAULT_PACKET_SIZE
      : integer('packetSize', config.packetSize, HEADER_BYTES, MAX_PACKET_SIZE)
  const mtu = namespaces ? VETH_MTU : loopbackMtu()
  if (packetSize + IP_UDP_OVERHEAD > mtu) {
    throw new ConfigError(
      'packetSize',
      packetSize,
      `at most ${mtu - IP_UDP_OVERHEAD}`,
      `packetSize ${packetSize} + ${IP_UDP_OVERHEAD} bytes of IP/UDP headers = ${packetSize + IP_UDP_OVERHEAD} bytes is over the path MTU of ${mtu} bytes (${namespaces ? 'the veth pairs between the namespaces' : 'loopback'}): the packets would be fragmented; use a packetSize of at most ${mtu - IP_UDP_OVERHEAD}`,
    )
  }
  if (packetSize > MAX_UDP_PAYLOAD) {
    throw new ConfigError(
      'packetSize',
      packetSize,
      `at most ${MAX_UDP_PAYLOAD} (the largest UDP payload over IPv4)`,
    )
  }
  if ((config.count === undefined) === (config.duration === undefined)) {
    throw new ConfigError(
      'count',
      config.count,
      'given, or duration given, but not both',
      `a pipeline needs exactly one of count or duration, got count ${describeValue(config.count)} and duration ${describeValue(config.duration)}`,
    )
  }
  let count: number | undefined
  let durationMs: number | undefined
  if (config.count !== undefined) count = integer('count', config.count, 1, MAX_COUNT)
  else {
    const ms = parseDuration(config.duration)
    if (ms === undefined || ms <= 0 || ms > MAX_DURATION_MS) {
      throw new ConfigError(
        'duration',
        config.duration,
        "a duration over 0 and at most 24 h ('2s', '500ms' or ms)",
      )
    }
    durationMs = ms
  }
  const total = count ?? Math.max(1, Math.floor((durationMs! * pps) / 1000))
  if (total > MAX_COUNT)
    throw new ConfigError(
      'duration',
      config.duration,
      `short enough for at most ${MAX_COUNT} packets at ${pps} pps`,
    )
  if (config.stats !== undefined && typeof config.stats !== 'boolean')
    throw new ConfigError('stats', config.stats, 'a boolean')
  if (config.onStart !== undefined && typeof config.onStart !== 'function') {
    throw new ConfigError('onStart', config.onStart, 'a function (hops) => void')
  }
  const impair = resolveImpair(config.impair, hops.length)
  checkUserHopAddresses(hops, impair)
  if (namespaces) {
    const user = hops.findIndex((hop) => hop.kind !== 'relay')
    if (user >= 0)
      throw new ConfigError(
        `hops[${user}]`,
        config.hops,
        'a hop quicksand runs when namespaces is true (user hops run on loopback)',
      )
    if (impair.length > 0)
      throw new ConfigError(
        'impair',
        config.impair,
        'left out when namespaces is true (the impairment proxies run on loopback)',
      )
  }
  const resolved: ResolvedPipelineConfig = {
    hops,
    pps,
    packetSize,
    total,
    bufferPackets,
    impair,
    stats: config.stats === true,
    namespaces,
  }
  if (count !== undefined) resolved.count = count
  if (durationMs !== undefined) resolved.durationMs = durationMs
  return resolved
}
