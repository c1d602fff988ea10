// ctraffic's client loop for one of the nconn slots: connect with back-off, run paced echoes until
// the deadline, and on a failure count it and (with reconnect) start over with a new connection.
import { randomInt } from 'node:crypto'
import type net from 'node:net'
import { RunError } from '../errors/kinds.js'
import { nowMs } from '../run/events.js'
import type { ResolvedTrafficConfig } from './config.js'
import { type ConnStats, newConnStats } from './conn-stats.js'
import type { DialGate } from './dial-gate.js'
import { TokenBucket } from './limiter.js'
import type { Tally } from './tally.js'
import { dialTcp, EchoReader, recordEnds } from './tcp-echo.js'

/** No connection is begun with less than this left of the run (ctraffic's rule). */
export const LAST_CONNECT_MS = 2000
/** First back-off between dial attempts; it grows by this much up to BACKOFF_MAX_MS. */
export const BACKOFF_STEP_MS = 100
export const BACKOFF_MAX_MS = 1000

/** What every slot of one worker shares. */
export interface SlotContext {
  config: ResolvedTrafficConfig
  tally: Tally
  signal: AbortSignal
  /** Epoch ms of the run's start and end. */
  runStartedAt: number
  deadline: number
  /** Every connection record of this worker, in the order they were begun. */
  conns: ConnStats[]
  /** Most records this worker may make (ctraffic's nconn x retries). */
  maxConns: number
  /** Sockets open now, for the kernel's retransmit figures. */
  open: Map<ConnStats, net.Socket>
  /** Bounds the dials in flight, so a storm does not overflow the server's accept queue. */
  dials: DialGate
}

/** ns after the run started. */
export function sinceStart(ctx: SlotContext): number {
  return Math.round((nowMs() - ctx.runStartedAt) * 1e6)
}

/** Sleep ms unless the run is aborted first; resolves false when aborted. */
export function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false)
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve(true)
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      resolve(false)
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * The next connection of a slot: its stats, or undefined when the run is too close to its end
 * (`lastStartMs`) or aborted. Throws past ctraffic's re-connect limit.
 */
export function nextConnection(ctx: SlotContext, lastStartMs: number): ConnStats | undefined {
  if (ctx.deadline - nowMs() < lastStartMs || ctx.signal.aborted) return undefined
  if (ctx.conns.length >= ctx.maxConns) {
    throw new RunError(
      'internal',
      `too many re-connects: ${ctx.conns.length} (retries ${ctx.config.retries} x nconn)`,
    )
  }
  const stats = newConnStats(sinceStart(ctx), ctx.config.address)
  ctx.conns.push(stats)
  return stats
}

/** Run one slot until the run ends. */
export async function runSlot(ctx: SlotContext): Promise<void> {
  const { config, tally } = ctx
  for (;;) {
    const stats = nextConnection(ctx, LAST_CONNECT_MS)
    if (!stats) return
    const endOfRun = Math.round((ctx.deadline - ctx.runStartedAt) * 1e6)
    tally.level({ connecting: 1 })
    const socket = await connectWithBackoff(ctx)
    tally.level({ connecting: -1 })
    if (!socket) {
      stats.Ended = endOfRun
      return
    }
    stats.Connect = sinceStart(ctx)
    recordEnds(stats, socket)
    ctx.open.set(stats, socket)
    tally.level({ active: 1 })
    try {
      await echoLoop(ctx, stats, socket)
      // A connection that lasted stays open until the worker's last reading of the kernel's figures.
      stats.Ended = endOfRun
      return
    } catch (error) {
      stats.Ended = sinceStart(ctx)
      stats.Err = error instanceof Error ? error.message : String(error)
      ctx.open.delete(stats)
      socket.destroy()
      tally.count('failedConnections')
      tally.event('traffic.connection.failed', { local: stats.Local, host: stats.Host, err: stats.Err })
      if (!config.reconnect) return
    } finally {
      tally.level({ active: -1 })
    }
  }
}

/** Dial until it works, backing off 100 ms more each time up to 1 s; undefined when the run ends first. */
async function connectWithBackoff(ctx: SlotContext): Promise<net.Socket | undefined> {
  const { config, signal, tally } = ctx
  let backoff = BACKOFF_STEP_MS
  for (;;) {
    try {
      await ctx.dials.take()
      try {
        return await dialTcp(config.host, config.port, signal)
      } finally {
        ctx.dials.give()
      }
    } catch {
      if (!(await pause(backoff, signal))) {
        tally.count('failedConnects')
        return undefined
      }
      if (backoff < BACKOFF_MAX_MS) backoff += BACKOFF_STEP_MS
      if (ctx.deadline - nowMs() < LAST_CONNECT_MS) return undefined
      tally.count('failedConnects')
    }
  }
}

/** ctraffic's echo loop: paced sends, each echo read back before the next; returns at the deadline. */
async function echoLoop(ctx: SlotContext, stats: ConnStats, socket: net.Socket): Promise<void> {
  const reader = new EchoReader(socket, ctx.config.psize)
  try {
    await paceEchoes(ctx, stats, reader)
  } finally {
    reader.close()
  }
}

async function paceEchoes(ctx: SlotContext, stats: ConnStats, reader: EchoReader): Promise<void> {
  const { config, tally, signal } = ctx
  const psize = config.psize
  const bucket = new TokenBucket((config.rate * 1024) / config.nconn, psize * 10)
  const packet = Buffer.alloc(psize)
  // A random start offset within one packet, so the connections do not send in lockstep.
  const offset = bucket.reserve(randomInt(psize))
  // ctraffic notices a reset connection only at its next send; here the wait for that send ends
  // when the connection breaks, so the failure is counted (and replaced) when it happens.
  const waiting = AbortSignal.any([signal, reader.brokenSignal])
  if (offset > 0 && !(await pause(offset, waiting))) {
    if (reader.failed && !signal.aborted) throw reader.failed
    return
  }
  bucket.drain(psize)
  // The deadline on the performance clock, so each packet reads the clock once or twice, not a dozen times.
  const deadline = ctx.deadline - performance.timeOrigin
  for (;;) {
    const now = performance.now()
    const wait = bucket.reserve(psize, now)
    // As Go's limiter, a wait that would end past the deadline ends the connection cleanly.
    if (now + wait > deadline) return
    if (wait > 0 && !(await pause(wait, waiting))) {
      if (reader.failed && !signal.aborted) throw reader.failed
      return
    }
    if (signal.aborted) return
    const sentAt = wait > 0 ? performance.now() : now
    reader.write(packet)
    stats.Sent++
    tally.count('sent')
    let dropped = 0
    while (bucket.allow(psize, sentAt)) dropped++
    if (dropped > 0) {
      stats.Dropped += dropped
      tally.count('dropped', dropped)
    }
    await reader.readEcho()
    tally.roundTrip(performance.now() - sentAt)
    if (stats.Received === 0 && reader.host !== undefined) stats.Host = reader.host
    stats.Received++
    tally.count('received')
  }
}
