// ctraffic's UDP mode for one slot: a connected datagram socket, paced sends, each answer awaited
// for 1 s; an answer that does not come is a lost packet, not a failure.
import { randomInt } from 'node:crypto'
import dgram from 'node:dgram'
import { RunError } from '../errors/kinds.js'
import { nowMs } from '../run/events.js'
import { nextConnection, pause, type SlotContext, sinceStart } from './client.js'
import { type ConnStats, hostStamp } from './conn-stats.js'
import { TokenBucket } from './limiter.js'
import { endpoint, READ_TIMEOUT_MS } from './tcp-echo.js'

/** No UDP "connection" is begun with less than this left of the run (ctraffic's rule for UDP). */
export const LAST_UDP_START_MS = 1000

/** Waits for one datagram at a time on a connected socket. */
class DatagramReader {
  private waiter: ((reply: Buffer | undefined) => void) | undefined
  private timer: NodeJS.Timeout | undefined

  constructor(socket: dgram.Socket) {
    socket.on('message', (reply: Buffer) => this.settle(reply))
  }

  private settle(reply: Buffer | undefined): void {
    const waiter = this.waiter
    this.waiter = undefined
    clearTimeout(this.timer)
    waiter?.(reply)
  }

  /** The next datagram, or undefined after READ_TIMEOUT_MS (a lost packet). */
  next(): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      this.waiter = resolve
      this.timer = setTimeout(() => this.settle(undefined), READ_TIMEOUT_MS)
    })
  }
}

function open(host: string, port: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4')
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.connect(port, host, () => {
      socket.off('error', reject)
      resolve(socket)
    })
  })
}

function send(socket: dgram.Socket, packet: Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    socket.send(packet, (error) =>
      error
        ? reject(
            new RunError(
              'reset',
              `write udp ${endpoint(socket.address().address, socket.address().port)}: ${error.message}`,
            ),
          )
        : resolve(),
    ),
  )
}

/** Run one UDP slot until the run ends. */
export async function runUdpSlot(ctx: SlotContext): Promise<void> {
  const { config, tally } = ctx
  for (;;) {
    const stats = nextConnection(ctx, LAST_UDP_START_MS)
    if (!stats) return
    const socket = await open(config.host, config.port)
    socket.on('error', () => undefined)
    stats.Connect = sinceStart(ctx)
    const local = socket.address()
    stats.Local = endpoint(local.address, local.port)
    tally.level({ active: 1 })
    try {
      await datagramLoop(ctx, stats, socket)
      stats.Ended = Math.round((ctx.deadline - ctx.runStartedAt) * 1e6)
      return
    } catch (error) {
      // As ctraffic: a send error ends this socket and a new one is begun, without a count.
      stats.Ended = sinceStart(ctx)
      stats.Err = error instanceof Error ? error.message : String(error)
    } finally {
      tally.level({ active: -1 })
      socket.close()
    }
  }
}

async function datagramLoop(ctx: SlotContext, stats: ConnStats, socket: dgram.Socket): Promise<void> {
  const { config, tally, signal } = ctx
  const psize = config.psize
  const bucket = new TokenBucket((config.rate * 1024) / config.nconn, psize * 10)
  const reader = new DatagramReader(socket)
  const packet = Buffer.alloc(psize)
  const offset = bucket.reserve(randomInt(psize))
  if (offset > 0 && !(await pause(offset, signal))) return
  bucket.drain(psize)
  for (;;) {
    const wait = bucket.reserve(psize)
    if (nowMs() + wait > ctx.deadline) return
    if (wait > 0 && !(await pause(wait, signal))) return
    if (signal.aborted) return
    const sentAt = performance.now()
    const reply = reader.next()
    await send(socket, packet)
    stats.Sent++
    tally.count('sent')
    let dropped = 0
    while (bucket.allow(psize)) dropped++
    if (dropped > 0) {
      stats.Dropped += dropped
      tally.count('dropped', dropped)
    }
    const answer = await reply
    if (answer === undefined) {
      tally.count('lost')
      continue
    }
    tally.roundTrip(performance.now() - sentAt)
    if (stats.Received === 0) {
      const host = hostStamp(answer)
      if (host !== undefined) stats.Host = host
    }
    stats.Received++
    tally.count('received')
  }
}
