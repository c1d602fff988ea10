// `quicksand traffic` and `quicksand echo-server`: ctraffic's client and server on the command
// line, with its flags (Go's flag syntax: -name value, -name=value, --name, booleans as -name or
// -name=false) and its output (monitor lines on stderr, the JSON statistics on stdout).
import { formatHostPort, parseHostPort } from '../address.js'
import { type EchoServer, startEchoServer } from '../traffic/echo-server.js'
import { ctrafficJson, type StatsMode } from '../traffic/format.js'
import { runTraffic } from '../traffic/run.js'
import { UsageError } from './args.js'

/** Where the commands write. */
export interface CtrafficIo {
  out(line: string): void
  err(line: string): void
}

/** `quicksand traffic`'s flags, with ctraffic's defaults. */
export interface TrafficFlags {
  address: string
  nconn: number
  rate: number
  psize: number
  timeoutMs: number
  monitor: boolean
  udp: boolean
  reconnect: boolean
  stats: StatsMode
  retries: number
  /** Where to write the run's timeline picture. */
  svg?: string
}

/** `quicksand echo-server`'s flags. */
export interface EchoServerFlags {
  address: string
  udp: boolean
  name?: string
}

/** The default address of both commands (ctraffic's port on IPv4 loopback). */
export const DEFAULT_ADDRESS = '127.0.0.1:5003'

const TRAFFIC_FLAGS = {
  address: 'string',
  nconn: 'int',
  rate: 'float',
  psize: 'int',
  timeout: 'duration',
  monitor: 'bool',
  udp: 'bool',
  reconnect: 'bool',
  stats: 'string',
  retries: 'int',
  svg: 'string',
} as const

const ECHO_FLAGS = { address: 'string', udp: 'bool', name: 'string' } as const

type FlagKind = 'string' | 'int' | 'float' | 'duration' | 'bool'

const GO_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
}

/** A Go duration ('10s', '1m30s', '250ms') in ms. */
export function parseGoDuration(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return text === '0' ? 0 : undefined
  let ms = 0
  for (const [, n, , unit] of text.matchAll(/(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h)/g))
    ms += Number(n) * GO_UNITS[unit!]!
  return ms
}

/** Parse Go-style flags against `known`; unknown ones are refused as Go's flag package does. */
function parseFlags(argv: readonly string[], known: Record<string, FlagKind>): Map<string, string> {
  const flags = new Map<string, string>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (!arg.startsWith('-') || arg === '-' || arg === '--') {
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)}; flags start with -`)
    }
    const body = arg.replace(/^--?/, '')
    const eq = body.indexOf('=')
    const name = eq < 0 ? body : body.slice(0, eq)
    const kind = known[name]
    if (kind === undefined) {
      throw new UsageError(
        `flag provided but not defined: -${name}; known: ${Object.keys(known)
          .map((f) => `-${f}`)
          .join(', ')}`,
      )
    }
    let value: string
    if (eq >= 0) value = body.slice(eq + 1)
    else if (kind === 'bool') value = 'true'
    else {
      const next = argv[i + 1]
      if (next === undefined) throw new UsageError(`flag needs an argument: -${name}`)
      value = next
      i++
    }
    flags.set(name, value)
  }
  return flags
}

function intFlag(flags: Map<string, string>, name: string, fallback: number): number {
  const text = flags.get(name)
  if (text === undefined) return fallback
  if (!/^-?\d+$/.test(text))
    throw new UsageError(`invalid value ${JSON.stringify(text)} for flag -${name}: parse error`)
  return Number(text)
}

function boolFlag(flags: Map<string, string>, name: string, fallback: boolean): boolean {
  const text = flags.get(name)
  if (text === undefined) return fallback
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) return true
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text)) return false
  throw new UsageError(`invalid boolean value ${JSON.stringify(text)} for -${name}: parse error`)
}

/** Parse `quicksand traffic`'s arguments (after the command name). */
export function parseTrafficFlags(argv: readonly string[]): TrafficFlags {
  const flags = parseFlags(argv, TRAFFIC_FLAGS)
  const rateText = flags.get('rate')
  const rate = rateText === undefined ? 10 : Number(rateText)
  if (!Number.isFinite(rate))
    throw new UsageError(`invalid value ${JSON.stringify(rateText)} for flag -rate: parse error`)
  const timeoutText = flags.get('timeout') ?? '10s'
  const timeoutMs = parseGoDuration(timeoutText)
  if (timeoutMs === undefined) {
    throw new UsageError(
      `invalid value ${JSON.stringify(timeoutText)} for flag -timeout: a duration such as 10s or 1m30s`,
    )
  }
  const stats = flags.get('stats') ?? 'summary'
  if (stats !== 'none' && stats !== 'summary' && stats !== 'all') {
    throw new UsageError(`-stats must be none, summary or all, got ${JSON.stringify(stats)}`)
  }
  const svg = flags.get('svg')
  return {
    ...(svg === undefined ? {} : { svg }),
    address: flags.get('address') ?? DEFAULT_ADDRESS,
    nconn: intFlag(flags, 'nconn', 1),
    rate,
    // As ctraffic: a packet holds at least a host name, so smaller sizes are raised to 64.
    psize: Math.max(64, intFlag(flags, 'psize', 1024)),
    timeoutMs,
    monitor: boolFlag(flags, 'monitor', false),
    udp: boolFlag(flags, 'udp', false),
    reconnect: boolFlag(flags, 'reconnect', true),
    stats,
    retries: intFlag(flags, 'retries', 10),
  }
}

/** Parse `quicksand echo-server`'s arguments (after the command name). */
export function parseEchoServerFlags(argv: readonly string[]): EchoServerFlags {
  const flags = parseFlags(argv, ECHO_FLAGS)
  const parsed: EchoServerFlags = {
    address: flags.get('address') ?? DEFAULT_ADDRESS,
    udp: boolFlag(flags, 'udp', false),
  }
  const name = flags.get('name')
  if (name !== undefined) parsed.name = name
  return parsed
}

/** Run `quicksand traffic`: the traffic, the monitor lines, then the JSON; resolves with the exit code. */
export async function trafficCommand(
  argv: readonly string[],
  io: CtrafficIo,
  signal?: AbortSignal,
): Promise<number> {
  const flags = parseTrafficFlags(argv)
  const report = await runTraffic(
    {
      address: flags.address,
      nconn: flags.nconn,
      rate: flags.rate,
      psize: flags.psize,
      duration: flags.timeoutMs,
      reconnect: flags.reconnect,
      udp: flags.udp,
      retries: flags.retries,
      ...(flags.svg === undefined ? {} : { svgPath: flags.svg }),
      ...(flags.monitor ? { monitor: (line: string) => io.err(line) } : {}),
    },
    signal ? { signal } : {},
  )
  const json = ctrafficJson(report, flags.stats)
  if (json !== '') io.out(json.trimEnd())
  if (report.Retransmits === null && !report.udp)
    io.err(`quicksand: Retransmits is null: ${report.retransmitsReason}`)
  return 0
}

/** Start `quicksand echo-server`'s servers and say where they listen; the caller closes them. */
export async function echoServerCommand(argv: readonly string[], io: CtrafficIo): Promise<EchoServer[]> {
  const flags = parseEchoServerFlags(argv)
  let where: { host: string; port: number }
  try {
    where = parseHostPort(flags.address, '-address', { allowPortZero: true })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const name = flags.name === undefined ? {} : { name: flags.name }
  const tcp = await startEchoServer({ host: where.host, port: where.port, ...name })
  io.err(`echo-server listening on ${formatHostPort(tcp.host, tcp.port)}`)
  if (!flags.udp) return [tcp]
  try {
    const udp = await startEchoServer({ transport: 'udp', host: where.host, port: tcp.port, ...name })
    io.err(`echo-server listening on udp ${formatHostPort(udp.host, udp.port)}`)
    return [tcp, udp]
  } catch (error) {
    await tcp.close()
    throw error
  }
}

/** Run `quicksand traffic` or `quicksand echo-server`; resolves with the exit code. */
export async function ctrafficMain(
  command: 'traffic' | 'echo-server',
  argv: readonly string[],
  io: CtrafficIo,
): Promise<number> {
  try {
    if (command === 'traffic') return await trafficCommand(argv, io)
    const servers = await echoServerCommand(argv, io)
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'))
      process.once('SIGTERM', () => resolve('SIGTERM'))
    })
    for (const server of servers) await server.close()
    io.err(`echo-server: ${signal}, closed`)
    return 0
  } catch (error) {
    io.err(`quicksand ${command}: ${(error as Error).message}`)
    return error instanceof UsageError ? 2 : 1
  }
}
