import { fileURLToPath } from 'node:url'
import { formatHostPort } from '../address.js'
import { RunError } from '../errors/kinds.js'
import { ChildHop } from './child.js'
import type { HopCounters, ResolvedPipelineConfig } from './config.js'
import { AddressHop, type HopRunner } from './hop-runner.js'
import { udpPortBound } from './kernel.js'
import { ipBinary, type NetnsChain } from './netns.js'
import type { HopData } from './protocol.js'
import { PipelineThread } from './thread.js'

const HOST = '127.0.0.1'

/** A hop quicksand runs on a worker thread, as a HopRunner. */
function threadHop(thread: PipelineThread): HopRunner {
  return {
    name: thread.name,
    host: HOST,
    port: thread.port,
    recvBufferBytes: thread.recvBufferBytes,
    observed: true,
    crashed: thread.crashed,
    stats: () => thread.stats<HopCounters>(),
    close: () => thread.close(),
  }
}

/** `{listen}`, `{forward}` and `{hop}` in a command's arguments, replaced. */
export function substitute(argv: readonly string[], values: Record<string, string>): string[] {
  return argv.map((arg) => arg.replace(/\{(listen|forward|hop)\}/g, (all, key: string) => values[key] ?? all))
}

/** What one of our relay hops runs with, in a thread or in a namespace's child process. */
function relayHopData(
  i: number,
  resolved: ResolvedPipelineConfig,
  bind: { host: string; port: number },
  next: { host: string; port: number },
  recvBufferBytes: number,
): HopData {
  const hop = resolved.hops[i - 1]!
  return {
    role: 'hop',
    hop: i,
    host: bind.host,
    forwardHost: next.host,
    forwardPort: next.port,
    bufferPackets: hop.bufferPackets,
    delayUs: hop.delayUs,
    packetSize: resolved.packetSize,
    recvBufferBytes,
    bindPort: bind.port,
  }
}

/**
 * Start hop `i` (from 1) sending to `next`; a relay of ours receives on `bindPort` (0: any).
 * A command hop is started and waited for; an address hop is checked to be listening.
 */
export async function startHop(
  i: number,
  resolved: ResolvedPipelineConfig,
  next: { host: string; port: number },
  bindPort: number,
  recvBufferBytes: number,
): Promise<HopRunner> {
  const hop = resolved.hops[i - 1]!
  if (hop.kind === 'relay') {
    const thread = await PipelineThread.start(
      `hop ${i}`,
      relayHopData(i, resolved, { host: HOST, port: bindPort }, next, recvBufferBytes),
    )
    return threadHop(thread)
  }
  const listen = hop.listen!
  if (hop.kind === 'address') {
    if (!udpPortBound(listen.port)) {
      throw new RunError(
        'connect_refused',
        `pipeline hop ${i}: nothing receives on ${formatHostPort(listen.host, listen.port)} (hops[${i - 1}].address): start the relay before the pipeline`,
      )
    }
    return new AddressHop(`hop ${i}`, listen.host, listen.port)
  }
  if (udpPortBound(listen.port)) {
    throw new RunError(
      'internal',
      `pipeline hop ${i}: ${formatHostPort(listen.host, listen.port)} (hops[${i - 1}].listen) is already in use before its command started`,
    )
  }
  const values = {
    listen: formatHostPort(listen.host, listen.port),
    forward: formatHostPort(next.host, next.port),
    hop: String(i),
  }
  return ChildHop.start({
    name: `hop ${i} (${hop.command![0]})`,
    argv: substitute(hop.command!, values),
    env: {
      ...process.env,
      QUICKSAND_LISTEN: values.listen,
      QUICKSAND_FORWARD: values.forward,
      QUICKSAND_HOP: values.hop,
    },
    host: listen.host,
    port: listen.port,
    startTimeoutMs: hop.startTimeoutMs!,
    listening: () => udpPortBound(listen.port),
  })
}

// Every namespaced hop listens on this port of its own namespace's address: no one else is there.
const NETNS_PORT = 5000
const FROM_SOURCES = import.meta.url.endsWith('.ts')
const HOP_PROCESS = fileURLToPath(
  new URL(FROM_SOURCES ? './source-hop-process.mjs' : './hop-process.js', import.meta.url),
)
const NETNS_START_TIMEOUT_MS = 15_000

/** Start hop `i` (from 1) as a child process in its own namespace of `chain`, sending to `next`. */
export function startNetnsHop(
  i: number,
  resolved: ResolvedPipelineConfig,
  next: { host: string; port: number },
  chain: NetnsChain,
  recvBufferBytes: number,
): Promise<HopRunner> {
  const host = chain.links[i - 1]!.right
  const data = relayHopData(i, resolved, { host, port: NETNS_PORT }, next, recvBufferBytes)
  const ns = chain.names[i - 1]!
  return ChildHop.start({
    name: `hop ${i} (namespace ${ns})`,
    argv: [ipBinary()!, 'netns', 'exec', ns, process.execPath, HOP_PROCESS, JSON.stringify(data)],
    host,
    port: NETNS_PORT,
    startTimeoutMs: NETNS_START_TIMEOUT_MS,
    listening: (child) => child.announcedReady,
  })
}
