// Parses the `quicksand` command line into a command, with errors that name the flag, the value and the rule.
import { type HostPort, parseHostPort } from '../address.js'

/** `quicksand proxy --listen … --target …`: one proxy, optionally with the lab's control API. */
export interface SingleProxyCommand {
  command: 'proxy'
  listen: HostPort
  target: HostPort
  protocol: 'tcp' | 'udp'
  control?: HostPort
  seed?: number
  /** µs the proxy keeps polling after a connection turns around (createProxy's busyPollUs). */
  busyPollUs?: number
}

/** `quicksand proxy --api HOST:PORT`: a toxiproxy-compatible server that creates proxies on request. */
export interface ApiCommand {
  command: 'api'
  api: HostPort
}

/** `quicksand --help` or `quicksand proxy --help`. */
export interface HelpCommand {
  command: 'help'
}

/** `quicksand --version`. */
export interface VersionCommand {
  command: 'version'
}

/** Any command the CLI runs. */
export type CliCommand = SingleProxyCommand | ApiCommand | HelpCommand | VersionCommand

/** A command line the CLI refuses; the message says which flag is wrong and why. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** The text `quicksand --help` prints. */
export const USAGE = `usage:
  quicksand proxy --listen HOST:PORT --target HOST:PORT [--protocol tcp|udp] [--control HOST:PORT] [--seed N]
                 [--busy-poll-us N]
      one impairment proxy; --control serves the lab API (PUT /mode, GET /stats, POST /reset);
      --busy-poll-us: how long it keeps polling for a reply (0-10000 µs, default 200, 0 = off)
  quicksand proxy --api HOST:PORT
      a toxiproxy-compatible API server (default port 8474) that creates proxies on request
  quicksand loadtest [--mode server|client|all] [flags]
      the reference fabric load tester's command line; \`quicksand loadtest --help\` lists its flags
  quicksand traffic [-address HOST:PORT] [-nconn N] [-rate KB/s] [-psize BYTES] [-timeout 10s]
                    [-monitor] [-udp] [-reconnect=false] [-stats none|summary|all] [-retries N]
                    [-svg FILE]
      ctraffic's client: continuous echo traffic; JSON statistics on stdout, -monitor lines on stderr
  quicksand echo-server [-address HOST:PORT] [-udp] [-name NAME]
      ctraffic's echo server (default 127.0.0.1:5003); -udp adds UDP on the same port
  quicksand --help | --version

Addresses are HOST:PORT ([::1]:PORT for IPv6); port 0 picks a free port.
Stop with Ctrl-C (SIGINT) or SIGTERM.
`

const PROXY_FLAGS = new Set(['listen', 'target', 'protocol', 'control', 'seed', 'busy-poll-us', 'api'])

/** Parses argv (without `node` and the script path) into a command, or throws UsageError. */
export function parseArgs(argv: readonly string[]): CliCommand {
  if (argv.length === 0) throw new UsageError('missing command; run `quicksand --help`')
  const [first, ...rest] = argv
  if (first === '--help' || first === '-h' || first === 'help') return { command: 'help' }
  if (first === '--version' || first === '-v') return { command: 'version' }
  if (first !== 'proxy')
    throw new UsageError(
      `unknown command ${JSON.stringify(first)}; the commands are "proxy", "loadtest", "traffic" and "echo-server"`,
    )

  const flags = new Map<string, string>()
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!
    if (arg === '--help' || arg === '-h') return { command: 'help' }
    if (!arg.startsWith('--'))
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)}; flags start with --`)
    const eq = arg.indexOf('=')
    const name = arg.slice(2, eq === -1 ? undefined : eq)
    if (!PROXY_FLAGS.has(name)) {
      throw new UsageError(
        `unknown flag --${name}; proxy takes ${[...PROXY_FLAGS].map((f) => `--${f}`).join(', ')}`,
      )
    }
    if (flags.has(name)) throw new UsageError(`--${name} is given twice`)
    let value: string | undefined
    if (eq !== -1) value = arg.slice(eq + 1)
    else {
      value = rest[i + 1]
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`)
      i++
    }
    flags.set(name, value)
  }

  const api = flags.get('api')
  if (api !== undefined) {
    const extra = [...flags.keys()].filter((f) => f !== 'api')
    if (extra.length > 0) {
      throw new UsageError(
        `--api starts a toxiproxy-compatible server and takes no ${extra.map((f) => `--${f}`).join(', ')}; create proxies through its API`,
      )
    }
    return { command: 'api', api: address(api, '--api') }
  }

  const listen = flags.get('listen')
  const target = flags.get('target')
  if (listen === undefined) throw new UsageError('--listen HOST:PORT is required (or --api HOST:PORT)')
  const listenAddress = address(listen, '--listen')
  if (target === undefined) throw new UsageError('--target HOST:PORT is required')
  const targetAddress = address(target, '--target', false)
  const protocol = flags.get('protocol') ?? 'tcp'
  if (protocol !== 'tcp' && protocol !== 'udp') {
    throw new UsageError(`--protocol must be tcp or udp, got ${JSON.stringify(protocol)}`)
  }
  const command: SingleProxyCommand = {
    command: 'proxy',
    listen: listenAddress,
    target: targetAddress,
    protocol,
  }
  const control = flags.get('control')
  if (control !== undefined) command.control = address(control, '--control')
  const seed = flags.get('seed')
  if (seed !== undefined) {
    const n = /^-?\d+$/.test(seed) ? Number(seed) : Number.NaN
    if (!Number.isSafeInteger(n))
      throw new UsageError(`--seed must be an integer, got ${JSON.stringify(seed)}`)
    command.seed = n
  }
  const busyPoll = flags.get('busy-poll-us')
  if (busyPoll !== undefined) {
    const n = /^\d+$/.test(busyPoll) ? Number(busyPoll) : Number.NaN
    if (!(n <= 10_000))
      throw new UsageError(
        `--busy-poll-us must be an integer from 0 to 10000, got ${JSON.stringify(busyPoll)}`,
      )
    command.busyPollUs = n
  }
  return command
}

function address(value: string, flag: string, allowPortZero = true): HostPort {
  try {
    return parseHostPort(value, flag, { allowPortZero })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}
