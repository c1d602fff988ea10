// `quicksand loadtest`: the reference load tester's command line (its flags, kebab-case, with its
// defaults), in server, client or all mode. The report goes to stdout as indented JSON (and to
// --report-path); exit 0 when the verdict passes, 1 when it fails, 2 on bad usage.
import { parseHostPort } from '../address.js'
import { type FabricNode, startNode } from '../fabric/node.js'
import type { LoadConfig } from '../load/config.js'
import { type RunOptions, runLoad } from '../load/run.js'
import type { LoadReport } from '../load/types.js'
import { HARD_MAX_PAYLOAD } from '../protocol/frames.js'
import { ProgressLine } from '../run/progress-line.js'
import { FlagError, type FlagSpec, flagUsage, parseFlags } from './go-flags.js'

/** Where the command writes; tests pass their own. */
export interface LoadtestIo {
  out(text: string): void
  err(line: string): void
  /** Resolves when the server mode should stop (SIGINT/SIGTERM by default). */
  stopped?: () => Promise<string>
  /** Print a progress line on err at most once a second while a load runs (default: when stderr is a terminal). */
  progress?: boolean
}

/** The run options that print the load's progress on `io.err`, when asked or on a terminal. */
function progressOptions(io: LoadtestIo): RunOptions {
  if (!(io.progress ?? process.stderr.isTTY === true)) return {}
  const lines = new ProgressLine()
  let printedAt = Number.NEGATIVE_INFINITY
  return {
    onProgress(progress) {
      const now = performance.now()
      if (now - printedAt < 1000) return
      printedAt = now
      io.err(`quicksand loadtest: ${lines.format(progress)}`)
    },
  }
}

const S = 1000
/** Every flag of the reference, with its default and usage, plus quicksand's own (marked). */
export const LOADTEST_FLAGS: Record<string, FlagSpec> = {
  mode: { kind: 'string', default: 'all', usage: 'server, client, or all' },
  listen: { kind: 'string', default: '127.0.0.1:0', usage: 'fabric listen address for server/all mode' },
  targets: {
    kind: 'string',
    default: '',
    usage: 'comma-separated quic://host:port (or tcp://) targets for client mode',
  },
  fingerprints: {
    kind: 'string',
    default: '',
    usage: 'comma-separated certificate SHA-256 fingerprints, in targets order (quicksand)',
  },
  transport: {
    kind: 'string',
    default: 'quic',
    usage: 'node transport for server/all mode: quic or tcp (quicksand)',
  },
  workers: { kind: 'int', default: 1, usage: 'worker threads the streams are spread over (quicksand)' },
  'inflight-frames': { kind: 'int', default: 1, usage: 'DATA frames in flight per channel (quicksand)' },
  'topology-profile': {
    kind: 'string',
    default: '',
    usage: 'optional scenario label: public, nat-lan-relay, mixed-public-nat-lan-relay, or custom',
  },
  soak: { kind: 'bool', default: false, usage: 'keep generating logical streams until duration expires' },
  nodes: { kind: 'int', default: 1, usage: 'number of in-process target nodes for server/all mode' },
  streams: { kind: 'int', default: 1000, usage: 'logical streams to create' },
  concurrency: { kind: 'int', default: 64, usage: 'maximum concurrently active fabric streams' },
  'bytes-per-stream': { kind: 'int', default: 4 * 1024 * 1024, usage: 'bytes to send on each stream' },
  'control-every': {
    kind: 'int',
    default: 0,
    usage: 'mark every Nth stream as control traffic, 0 disables mixed control traffic',
  },
  'control-bytes-per-stream': { kind: 'int', default: 4096, usage: 'bytes to send on each control stream' },
  'payload-size': { kind: 'int', default: 64 * 1024, usage: 'payload bytes per fabric frame' },
  'short-sessions': {
    kind: 'bool',
    default: true,
    usage: 'close each fabric stream after its logical channel completes',
  },
  'pool-failover': {
    kind: 'bool',
    default: true,
    usage: 'retry a failed stream on the next target in the pool',
  },
  'fail-target': {
    kind: 'int',
    default: -1,
    usage: 'target index to close during all-mode load, -1 disables failure injection',
  },
  'fail-after': { kind: 'duration', default: 0, usage: 'delay before closing fail-target in all mode' },
  'impair-target': {
    kind: 'int',
    default: -1,
    usage: 'target index expected to be degraded by an external impairment, -1 disables',
  },
  'probe-targets': { kind: 'bool', default: false, usage: 'probe target RTT before stream placement' },
  'max-target-rtt-ms': {
    kind: 'int',
    default: 0,
    usage: 'exclude targets whose probe RTT exceeds this threshold',
  },
  'migrate-slow-streams': {
    kind: 'bool',
    default: false,
    usage: 'continue a logical stream on the next target when ACK latency exceeds max-ack-ms',
  },
  'max-ack-ms': { kind: 'int', default: 0, usage: 'ACK latency threshold for slow stream migration' },
  'max-ack-p95-ms': {
    kind: 'int',
    default: 0,
    usage: 'fail verdict when overall ACK p95 exceeds this threshold, 0 disables',
  },
  'max-ack-p99-ms': {
    kind: 'int',
    default: 0,
    usage: 'fail verdict when overall ACK p99 exceeds this threshold, 0 disables',
  },
  'max-target-ack-ms': {
    kind: 'int',
    default: 0,
    usage: 'fail verdict when any healthy target max ACK exceeds this threshold, 0 disables',
  },
  'max-control-ack-p95-ms': {
    kind: 'int',
    default: 100,
    usage: 'fail verdict when control ACK p95 exceeds this threshold, 0 disables',
  },
  'max-setup-p95-ms': {
    kind: 'int',
    default: 200,
    usage: 'fail verdict when channel setup p95 exceeds this threshold, 0 disables',
  },
  'max-setup-p99-ms': {
    kind: 'int',
    default: 0,
    usage: 'fail verdict when channel setup p99 exceeds this threshold, 0 disables',
  },
  'max-reroute-p95-ms': {
    kind: 'int',
    default: 0,
    usage: 'fail verdict when reroute setup p95 exceeds this threshold, 0 disables',
  },
  'max-reroute-p99-ms': {
    kind: 'int',
    default: 0,
    usage: 'fail verdict when reroute setup p99 exceeds this threshold, 0 disables',
  },
  'max-goroutine-delta': {
    kind: 'int',
    default: 0,
    usage:
      'fail verdict when the active resource delta (goroutines in the reference) exceeds this value, 0 disables',
  },
  'max-heap-delta-mb': {
    kind: 'int',
    default: 0,
    usage: 'fail verdict when heap delta exceeds this MiB value, 0 disables',
  },
  'max-open-fd-delta': {
    kind: 'int',
    default: 0,
    usage: 'fail verdict when open file descriptor delta exceeds this value, 0 disables',
  },
  'max-open-fds': {
    kind: 'int',
    default: 0,
    usage: 'fail verdict when max open file descriptors exceeds this value, 0 disables',
  },
  'min-throughput-mbps': {
    kind: 'int',
    default: 0,
    usage: 'fail verdict when throughput falls below this Mbps value, 0 disables',
  },
  'min-channel-churn-per-sec': {
    kind: 'int',
    default: 0,
    usage: 'fail verdict when logical channel open rate falls below this value, 0 disables',
  },
  'stream-timeout': {
    kind: 'duration',
    default: 30 * S,
    usage: 'timeout for a whole logical stream, 0 disables',
  },
  'ack-timeout': {
    kind: 'duration',
    default: 2 * S,
    usage: 'timeout for one data-frame ACK before rerouting/failing, 0 disables',
  },
  'target-quarantine-ttl': {
    kind: 'duration',
    default: 30 * S,
    usage: 'how long a failed or slow target stays out of placement before it can be retried',
  },
  'failure-quarantine-ttl': {
    kind: 'duration',
    default: 300 * S,
    usage: 'how long a known hard-failed target stays out of placement before it can be retried',
  },
  duration: { kind: 'duration', default: 0, usage: 'optional max client send duration' },
  timeout: { kind: 'duration', default: 600 * S, usage: 'overall timeout' },
  'resource-sample-interval': {
    kind: 'duration',
    default: S,
    usage: 'resource sampling interval for soak and stress reports',
  },
  'report-path': { kind: 'string', default: '', usage: 'optional path to write the full JSON report' },
}

/** The text `quicksand loadtest --help` prints. */
export function loadtestUsage(): string {
  return `usage: quicksand loadtest [flags]\n\nFlags (as Go's flag package reads them: -flag value, --flag=value, -bool, -bool=false):\n${flagUsage(LOADTEST_FLAGS)}\n`
}

function csv(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
}

const THRESHOLD_FLAGS: Array<[flag: string, key: keyof LoadConfig]> = [
  ['max-ack-p95-ms', 'maxAckP95Ms'],
  ['max-ack-p99-ms', 'maxAckP99Ms'],
  ['max-target-ack-ms', 'maxTargetAckMs'],
  ['max-control-ack-p95-ms', 'maxControlAckP95Ms'],
  ['max-setup-p95-ms', 'maxSetupP95Ms'],
  ['max-setup-p99-ms', 'maxSetupP99Ms'],
  ['max-reroute-p95-ms', 'maxRerouteP95Ms'],
  ['max-reroute-p99-ms', 'maxRerouteP99Ms'],
  ['max-goroutine-delta', 'maxActiveResourceDelta'],
  ['max-heap-delta-mb', 'maxHeapDeltaMb'],
  ['max-open-fd-delta', 'maxOpenFdDelta'],
  ['max-open-fds', 'maxOpenFds'],
  ['min-throughput-mbps', 'minThroughputMbps'],
  ['min-channel-churn-per-sec', 'minChannelChurnPerSec'],
]

/** The load config a command line stands for, with the reference's clamps on its numbers. */
export function loadConfigOf(
  values: Record<string, number | boolean | string>,
  targets: LoadConfig['targets'],
): LoadConfig {
  const n = (flag: string) => values[flag] as number
  const streams = n('streams') > 0 ? n('streams') : 1
  const concurrency = n('concurrency') > 0 && n('concurrency') <= streams ? n('concurrency') : streams
  const payload = n('payload-size') > 0 ? Math.min(n('payload-size'), HARD_MAX_PAYLOAD) : 64 * 1024
  const targetTtl = Math.max(0, n('target-quarantine-ttl'))
  const config: LoadConfig = {
    targets,
    streams,
    concurrency,
    bytesPerStream: Math.max(1, n('bytes-per-stream')),
    payloadSize: payload,
    controlEvery: Math.max(0, n('control-every')),
    controlBytesPerStream: Math.max(1, n('control-bytes-per-stream')),
    shortSessions: values['short-sessions'] as boolean,
    poolFailover: values['pool-failover'] as boolean,
    streamTimeout: Math.max(0, n('stream-timeout')),
    ackTimeout: Math.max(0, n('ack-timeout')),
    targetQuarantineTtl: targetTtl,
    failureQuarantineTtl: n('failure-quarantine-ttl') < 0 ? targetTtl : n('failure-quarantine-ttl'),
    duration: Math.max(0, n('duration')),
    soak: values.soak as boolean,
    timeout: n('timeout') > 0 ? n('timeout') : 600 * S,
    workers: n('workers'),
    inflightFrames: n('inflight-frames'),
    resourceSampleInterval: Math.max(0, n('resource-sample-interval')),
    probeTargets: values['probe-targets'] as boolean,
    maxTargetRttMs: Math.max(0, n('max-target-rtt-ms')),
    migrateSlowStreams: values['migrate-slow-streams'] as boolean,
    maxAckMs: Math.max(0, n('max-ack-ms')),
    // The reference applies its distribution rules to every run.
    checkDistribution: true,
  }
  if ((values['report-path'] as string).trim() !== '')
    config.reportPath = (values['report-path'] as string).trim()
  if (values.soak && n('duration') <= 0) config.duration = 60 * S
  if (values['topology-profile'] !== '') config.topologyProfile = values['topology-profile'] as never
  if (n('impair-target') >= 0) config.impairTarget = n('impair-target')
  for (const [flag, key] of THRESHOLD_FLAGS) {
    if (n(flag) > 0) (config as unknown as Record<string, number>)[key] = n(flag)
  }
  return config
}

async function startNodes(values: Record<string, number | boolean | string>): Promise<FabricNode[]> {
  const transport = values.transport
  if (transport !== 'quic' && transport !== 'tcp') {
    throw new FlagError(`invalid value ${JSON.stringify(transport)} for flag -transport: quic or tcp`)
  }
  let listen: { host: string; port: number }
  try {
    listen = parseHostPort(values.listen as string, 'listen', { allowPortZero: true })
  } catch (error) {
    throw new FlagError(
      `invalid value ${JSON.stringify(values.listen)} for flag -listen: ${(error as Error).message}`,
    )
  }
  const count = Math.max(1, values.nodes as number)
  const nodes: FabricNode[] = []
  try {
    for (let i = 0; i < count; i++)
      nodes.push(await startNode({ transport, host: listen.host, port: listen.port }))
  } catch (error) {
    for (const node of nodes) await node.stop()
    throw error
  }
  return nodes
}

function defaultStopped(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => () => {
      process.off('SIGINT', int)
      process.off('SIGTERM', term)
      resolve(signal)
    }
    const int = on('SIGINT')
    const term = on('SIGTERM')
    process.once('SIGINT', int)
    process.once('SIGTERM', term)
  })
}

async function serve(values: Record<string, number | boolean | string>, io: LoadtestIo): Promise<number> {
  const nodes = await startNodes(values)
  for (const node of nodes) {
    io.out(`${JSON.stringify({ url: node.url, fingerprint: node.fingerprint ?? null })}\n`)
    io.err(`quicksand loadtest: node ${node.url} ready`)
  }
  const signal = await (io.stopped ?? defaultStopped)()
  for (const node of nodes) await node.stop()
  io.err(`quicksand loadtest: ${signal}, ${nodes.length} node(s) stopped`)
  return 0
}

function report(result: LoadReport, io: LoadtestIo): number {
  // runLoad has written --report-path already (config.reportPath).
  io.out(`${JSON.stringify(result, null, 2)}\n`)
  io.err(
    `quicksand loadtest: verdict ${result.verdict}${result.verdictReasons.length ? ` (${result.verdictReasons.join(', ')})` : ''}`,
  )
  return result.verdict === 'pass' ? 0 : 1
}

async function client(values: Record<string, number | boolean | string>, io: LoadtestIo): Promise<number> {
  const targets = csv(values.targets as string)
  if (targets.length === 0) throw new FlagError('client mode needs -targets quic://host:port[,…]')
  const fingerprints = csv(values.fingerprints as string)
  if (fingerprints.length > 0 && fingerprints.length !== targets.length) {
    throw new FlagError(
      `-fingerprints has ${fingerprints.length} entries but -targets has ${targets.length}: give one per target, in order`,
    )
  }
  if (fingerprints.length === 0 && targets.some((t) => t.toLowerCase().startsWith('quic://'))) {
    io.err('quicksand loadtest: no -fingerprints: accepting any certificate the targets present')
  }
  const entries = targets.map((url, i) => (fingerprints[i] ? { url, fingerprint: fingerprints[i] } : url))
  return report(await runLoad(loadConfigOf(values, entries), progressOptions(io)), io)
}

async function all(values: Record<string, number | boolean | string>, io: LoadtestIo): Promise<number> {
  const nodes = await startNodes(values)
  try {
    const config = loadConfigOf(values, nodes)
    const failTarget = values['fail-target'] as number
    if (failTarget >= 0 && failTarget < nodes.length) {
      config.failTarget = failTarget
      config.failAfter = Math.max(0, values['fail-after'] as number)
    }
    return report(await runLoad(config, progressOptions(io)), io)
  } finally {
    for (const node of nodes) await node.kill()
  }
}

/** Run `quicksand loadtest` with `argv` (the arguments after `loadtest`); resolves with the exit code. */
export async function loadtestMain(argv: readonly string[], io: LoadtestIo): Promise<number> {
  let values: Record<string, number | boolean | string>
  try {
    const parsed = parseFlags(argv, LOADTEST_FLAGS)
    if (parsed.help) {
      io.out(loadtestUsage())
      return 0
    }
    if (parsed.rest.length > 0) throw new FlagError(`unexpected argument ${JSON.stringify(parsed.rest[0])}`)
    values = parsed.values
    const mode = values.mode
    if (mode === 'server') return await serve(values, io)
    if (mode === 'client') return await client(values, io)
    if (mode === 'all') return await all(values, io)
    throw new FlagError(`invalid value ${JSON.stringify(mode)} for flag -mode: server, client, or all`)
  } catch (error) {
    if (error instanceof FlagError || (error instanceof Error && error.name === 'ConfigError')) {
      io.err(`quicksand loadtest: ${error.message}`)
      return 2
    }
    io.err(`quicksand loadtest: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  }
}
