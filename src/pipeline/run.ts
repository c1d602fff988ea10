import { formatHostPort } from '../address.js'
import { rejectUnknownKeys } from '../errors/field-error.js'
import { RunError } from '../errors/kinds.js'
import { createProxy } from '../proxy/proxy.js'
import type { ImpairmentProxy } from '../proxy/types.js'
import { defaultEventBus, type EventBus } from '../run/events.js'
import { account } from './accounting.js'
import { ChildHop } from './child.js'
import {
  type HopCounters,
  type PipelineConfig,
  type PipelineHopHandle,
  resolvePipelineConfig,
} from './config.js'
import type { HopRunner } from './hop-runner.js'
import { maxRecvBuffer, udpRcvbufErrors, udpSocketDrops } from './kernel.js'
import { createNetnsChain, type NetnsChain } from './netns.js'
import type { GeneratorResult, SinkCounters } from './protocol.js'
import type { HopReport, ImpairmentReport, PipelineReport, SinkReport } from './report.js'
import { Sampler } from './sampler.js'
import { startHop, startNetnsHop } from './start-hop.js'
import { PipelineThread } from './thread.js'

/** Options of runPipeline(). */
export interface PipelineRunOptions {
  /** Aborts the run: every thread and proxy it started is stopped. */
  signal?: AbortSignal
  /** Where its impairment proxies publish their events; default the process-wide bus. */
  events?: EventBus
}

const HOST = '127.0.0.1'
const DRAIN_POLL_MS = 20
// Counters unchanged for this many polls (100 ms) with every pool empty: nothing is in flight.
const DRAIN_STABLE_POLLS = 5
const DRAIN_STABLE_POLLS_CHILD = 15
const DRAIN_MARGIN_MS = 3_000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** `promise`, or the signal's reason once it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    if (signal.aborted) onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/**
 * Run packets at a rate through a chain of UDP relay hops to a sink, and resolve with a report
 * whose accounting puts every generated packet either at the sink or at a named drop place.
 */
export async function runPipeline(
  config: PipelineConfig,
  options: PipelineRunOptions = {},
): Promise<PipelineReport> {
  const resolved = resolvePipelineConfig(config)
  rejectUnknownKeys(
    options,
    ['signal', 'events'] satisfies (keyof PipelineRunOptions)[],
    'runPipeline options',
  )
  const { signal } = options
  signal?.throwIfAborted()
  const events = options.events ?? defaultEventBus
  const threads: PipelineThread[] = []
  const started: HopRunner[] = []
  let chain: NetnsChain | undefined
  const proxies = new Map<number, ImpairmentProxy>()
  let sampler: Sampler | undefined
  try {
    const recvBufferBytes = maxRecvBuffer()
    if (resolved.namespaces) chain = await createNetnsChain(resolved.hops.length)
    const sinkHost = chain ? chain.links[resolved.hops.length]!.right : HOST
    // Where the element after position p (0 the generator, i hop i) must receive: the forward
    // address a user hop at p was given, else any free port.
    const forwardPort = (position: number) => resolved.hops[position - 1]?.forward?.port ?? 0
    const proxied = (position: number) => resolved.impair.some((e) => e.between[0] === position)
    const n = resolved.hops.length
    // Starting is not raced with the signal (a thread or proxy started after the race would be
    // left running); the signal is checked between the steps instead.
    const sinkPort = proxied(n) ? 0 : forwardPort(n)
    const sink = await PipelineThread.start('sink', {
      role: 'sink',
      host: sinkHost,
      packetSize: resolved.packetSize,
      expected: resolved.total,
      recvBufferBytes,
      bindPort: sinkPort,
    }).catch((error: unknown) => {
      if (sinkPort === 0) throw error
      // The port was the last hop's fixed forward address: say which option put the sink there.
      throw new RunError(
        'internal',
        `${(error as Error).message} (hops[${n - 1}].forward: the sink receives there; free the port or pick another)`,
        { cause: error },
      )
    })
    threads.push(sink)
    // Built from the sink backwards: each hop needs the address of what follows it.
    let next = { host: sinkHost, port: sink.port }
    const placeProxy = async (position: number) => {
      const entry = resolved.impair.find((e) => e.between[0] === position)
      if (!entry) return
      const proxy = await createProxy({
        protocol: 'udp',
        target: formatHostPort(next.host, next.port),
        listen: formatHostPort(HOST, forwardPort(position)),
        // Packets flow client -> target through the proxy: that is its upstream way, so an
        // impairment without a direction applies there (the proxy's own default may be downstream).
        impairments: entry.impairments.map((impairment) =>
          typeof impairment === 'object' && impairment !== null
            ? { direction: 'upstream', ...impairment }
            : impairment,
        ),
        events,
      })
      proxies.set(position, proxy)
      next = { host: proxy.host, port: proxy.port }
    }
    const hops: HopRunner[] = []
    for (let i = n; i >= 1; i--) {
      signal?.throwIfAborted()
      await placeProxy(i)
      signal?.throwIfAborted()
      const hop = chain
        ? await startNetnsHop(i, resolved, next, chain, recvBufferBytes)
        : await startHop(i, resolved, next, proxied(i - 1) ? 0 : forwardPort(i - 1), recvBufferBytes)
      started.push(hop)
      hops.unshift(hop)
      next = { host: hop.host, port: hop.port }
    }
    signal?.throwIfAborted()
    await placeProxy(0)
    signal?.throwIfAborted()
    const generator = await PipelineThread.start('generator', {
      role: 'generator',
      host: chain ? chain.links[0]!.left : HOST,
      targetHost: next.host,
      targetPort: next.port,
      pps: resolved.pps,
      total: resolved.total,
      packetSize: resolved.packetSize,
    })
    threads.push(generator)
    signal?.throwIfAborted()

    const handles: PipelineHopHandle[] = hops.map((hop, i) => ({
      hop: i + 1,
      host: hop.host,
      port: hop.port,
      address: formatHostPort(hop.host, hop.port),
      stats: () => hop.stats(),
    }))
    // Sockets on loopback, read from this namespace's /proc/net/udp; a namespaced hop reports its own.
    const socketPorts = [
      ...(chain ? [] : hops.map((h) => h.port)),
      ...(chain ? [] : [sink.port]),
      ...[...proxies.values()].map((p) => p.port),
    ]
    sampler = new Sampler(hops, sink, socketPorts, resolved.stats)
    const rcvbufBefore = udpRcvbufErrors()
    const startedAt = Date.now()
    const t0 = performance.now()
    sampler.start()
    const onStart = config.onStart
    // A hop that stops by itself mid-run fails the run at once, naming it and how it ended,
    // rather than leaving its packets as unexplained loss.
    const crashed = Promise.race(hops.map((hop) => hop.crashed))
    crashed.catch(() => undefined)
    const watched = <T>(work: Promise<T>) => abortable(Promise.race([work, crashed]), signal)
    const [sent] = await watched(
      Promise.all([generator.generate(), Promise.resolve().then(() => onStart?.(handles))]),
    )
    const drainBound =
      DRAIN_MARGIN_MS + resolved.hops.reduce((ms, hop) => ms + (hop.bufferPackets * hop.delayUs) / 1000, 0)
    const final = await watched(drain(hops, sink, [...proxies.values()], drainBound))
    // Kernel drops are listed only while the sockets are open: read them before anything closes.
    const kernel = udpSocketDrops(socketPorts) ?? new Map<number, number>()
    if (chain) kernel.set(sink.port, udpSocketDrops([sink.port], sinkHost)?.get(sink.port) ?? 0)
    await sampler.stop()
    // A child hop prints its final totals as it is stopped: stop them, then read those totals.
    const children = hops.filter((hop) => hop instanceof ChildHop)
    if (children.length > 0) {
      await Promise.all(children.map((hop) => hop.close()))
      final.hops = await Promise.all(hops.map((hop) => hop.stats()))
    }
    const rcvbufAfter = udpRcvbufErrors()
    return buildReport({
      resolved,
      startedAt,
      durationMs: performance.now() - t0,
      sent,
      hopCounters: final.hops,
      sinkCounters: final.sink,
      hops,
      sinkPort: sink.port,
      proxies,
      kernel,
      timeline: sampler.timeline,
      hostRcvbufErrors:
        rcvbufBefore !== undefined && rcvbufAfter !== undefined ? rcvbufAfter - rcvbufBefore : 0,
    })
  } finally {
    await sampler?.stop()
    await Promise.all([...threads, ...started].map((thread) => thread.close()))
    await Promise.all([...proxies.values()].map((proxy) => proxy.close()))
    // After every process in them has exited, so nothing holds a namespace open.
    await chain?.remove()
  }
}

/** Wait until nothing is in flight: every pool empty and every counter still for a while. */
async function drain(
  hops: readonly HopRunner[],
  sink: PipelineThread,
  proxies: readonly ImpairmentProxy[],
  boundMs: number,
): Promise<{ hops: HopCounters[]; sink: SinkCounters }> {
  const deadline = performance.now() + boundMs
  // A child hop reports in lines printed every so often: wait long enough to see the next one.
  const stablePolls = hops.some((hop) => hop instanceof ChildHop)
    ? DRAIN_STABLE_POLLS_CHILD
    : DRAIN_STABLE_POLLS
  let last = -1
  let stable = 0
  for (;;) {
    const counters = await Promise.all(hops.map((hop) => hop.stats()))
    const sinkCounters = await sink.stats<SinkCounters>()
    const total =
      counters.reduce((sum, c) => sum + c.received + c.sent + c.sendErrors, 0) +
      sinkCounters.received +
      proxies.reduce((sum, p) => {
        const stats = p.stats()
        return sum + stats.packetsIn + stats.packetsOut + stats.packetsDropped
      }, 0)
    // An impairment proxy may hold packets (latency, reorder) longer than the counters stay still.
    const held = proxies.some((p) => {
      const stats = p.stats()
      return stats.packetsIn + stats.packetsDuplicated - stats.packetsOut - stats.packetsDropped > 0
    })
    const busy = held || counters.some((c) => c.inPool > 0)
    stable = !busy && total === last ? stable + 1 : 0
    last = total
    if (stable >= stablePolls || performance.now() > deadline) return { hops: counters, sink: sinkCounters }
    await sleep(DRAIN_POLL_MS)
  }
}

interface ReportParts {
  resolved: ReturnType<typeof resolvePipelineConfig>
  startedAt: number
  durationMs: number
  sent: GeneratorResult
  hopCounters: HopCounters[]
  sinkCounters: SinkCounters
  hops: HopRunner[]
  sinkPort: number
  proxies: Map<number, ImpairmentProxy>
  kernel: Map<number, number>
  timeline: PipelineReport['timeline']
  hostRcvbufErrors: number
}

function peak(timeline: PipelineReport['timeline'], key: string): number {
  return timeline.reduce((max, s) => Math.max(max, Math.round(((s[key] ?? 0) * 1000) / Math.max(s.ms, 1))), 0)
}

function buildReport(parts: ReportParts): PipelineReport {
  const { resolved, sent, timeline } = parts
  const hops: HopReport[] = parts.hopCounters.map((counters, i) => {
    const thread = parts.hops[i]!
    return {
      hop: i + 1,
      kind: resolved.hops[i]!.kind,
      observed: thread.observed,
      address: formatHostPort(thread.host, thread.port),
      bufferPackets: resolved.hops[i]!.bufferPackets,
      delayUs: resolved.hops[i]!.delayUs,
      recvBufferBytes: thread.recvBufferBytes,
      ...counters,
      kernelDrops: thread.kernelDrops ?? parts.kernel.get(thread.port) ?? 0,
      peakIngressPps: peak(timeline, `hop${i + 1}.received`),
      peakEgressPps: peak(timeline, `hop${i + 1}.sent`),
    }
  })
  const impairments: ImpairmentReport[] = [...parts.proxies.entries()]
    .sort(([a], [b]) => a - b)
    .map(([position, proxy]) => {
      const stats = proxy.stats()
      return {
        place: `impair${position}`,
        between: [position, position + 1],
        packetsIn: stats.packetsIn,
        packetsOut: stats.packetsOut,
        dropped: stats.packetsDropped,
        duplicated: stats.packetsDuplicated,
        corrupted: stats.packetsCorrupted,
        kernelDrops: parts.kernel.get(proxy.port) ?? 0,
      }
    })
  const sendSeconds = Math.max(sent.elapsedMs, 1) / 1000
  const sink: SinkReport = {
    ...parts.sinkCounters,
    kernelDrops: parts.kernel.get(parts.sinkPort) ?? 0,
    deliveredPps: Math.round(parts.sinkCounters.delivered / sendSeconds),
  }
  const { impair, ...rest } = resolved
  return {
    kind: 'pipeline',
    config: { ...rest, impair: impair.map((entry) => ({ between: entry.between })) },
    startedAt: parts.startedAt,
    durationMs: Math.round(parts.durationMs),
    generator: {
      targetPps: resolved.pps,
      achievedPps: Math.round(sent.generated / sendSeconds),
      generated: sent.generated,
      sendErrors: sent.sendErrors,
      elapsedMs: Math.round(sent.elapsedMs),
    },
    hops,
    impairments,
    sink,
    accounting: account(sent.generated, hops, impairments, sink),
    hostRcvbufErrors: parts.hostRcvbufErrors,
    timeline,
  }
}
