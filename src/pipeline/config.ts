import { readFileSync } from 'node:fs'
import { ConfigError } from '../errors/config-error.js'
import { describeValue, rejectUnknownKeys } from '../errors/field-error.js'
import { type Duration, parseDuration } from '../load/duration.js'
import type { Impairment } from '../proxy/types.js'
import { HEADER_BYTES, IP_UDP_OVERHEAD } from './packet.js'

/** A hop quicksand runs: a relay on its own worker thread. */
export interface RelayHopOptions {
  /** Packets its buffer pool holds (default: the pipeline's bufferPackets). */
  bufferPackets?: number
  /** Microseconds each packet takes on egress, so a hop can be made slower than its ingress. */
  delayUs?: number
}

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
  /** Of those, datagrams of the pipeline's packet size: pipeline packets damaged on the way. */
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

/** Configuration of runPipeline() and fabric.pipeline(). */
export interface PipelineConfig {
  /** How many hops, or each hop's options. */
  hops: number | RelayHopOptions[]
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
  /** Each hop in its own network namespace (not available yet: refused). */
  namespaces?: boolean
  /** Called once every hop listens, as the generator starts. */
  onStart?: (hops: PipelineHopHandle[]) => void | Promise<void>
}

/** A hop after defaults. */
export interface ResolvedHop {
  bufferPackets: number
  delayUs: number
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
    return Array.from({ length: n }, () => ({ bufferPackets, delayUs: 0 }))
  }
  if (!Array.isArray(value) || value.length < 1 || value.length > MAX_HOPS) {
    throw new ConfigError(
      'hops',
      value,
      `a number of hops from 1 to ${MAX_HOPS} or an array of 1 to ${MAX_HOPS} hops`,
    )
  }
  return value.map((hop: unknown, i) => {
    const field = `hops[${i}]`
    if (!isRecord(hop)) throw new ConfigError(field, hop, 'an object { bufferPackets?, delayUs? }')
    if ('command' in hop || 'address' in hop) {
      throw new ConfigError(
        field,
        hop,
        'a hop quicksand runs ({ bufferPackets?, delayUs? }); user hops ({ command, listen, forward } or { address }) are not supported yet',
      )
    }
    rejectUnknownKeys(hop, HOP_KEYS, field, ConfigError, `${field}.`)
    return {
      bufferPackets:
        hop.bufferPackets === undefined
          ? bufferPackets
          : integer(`${field}.bufferPackets`, hop.bufferPackets, 1, MAX_BUFFER_PACKETS),
      delayUs: hop.delayUs === undefined ? 0 : integer(`${field}.delayUs`, hop.delayUs, 0, MAX_DELAY_US),
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
  if (config.namespaces !== undefined && config.namespaces !== false) {
    throw new ConfigError(
      'namespaces',
      config.namespaces,
      'false',
      `namespaces must be false, got ${describeValue(config.namespaces)}: hops in network namespaces are not supported yet; the hops run on loopback`,
    )
  }
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
  const mtu = loopbackMtu()
  if (packetSize + IP_UDP_OVERHEAD > mtu) {
    throw new ConfigError(
      'packetSize',
      packetSize,
      `at most ${mtu - IP_UDP_OVERHEAD}`,
      `packetSize ${packetSize} + ${IP_UDP_OVERHEAD} bytes of IP/UDP headers = ${packetSize + IP_UDP_OVERHEAD} bytes is over the path MTU of ${mtu} bytes (loopback): the packets would be fragmented; use a packetSize of at most ${mtu - IP_UDP_OVERHEAD}`,
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
  const resolved: ResolvedPipelineConfig = {
    hops,
    pps,
    packetSize,
    total,
    bufferPackets,
    impair: resolveImpair(config.impair, hops.length),
    stats: config.stats === true,
  }
  if (count !== undefined) resolved.count = count
  if (durationMs !== undefined) resolved.durationMs = durationMs
  return resolved
}
