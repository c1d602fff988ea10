import net from 'node:net'
import { resetSocket } from '../transport/tcp/reset.js'
import type { BusyPoll, Conversation } from './busy-poll.js'
import { Chain } from './chain.js'
import type { EngineContext } from './engine.js'
import { type Item, itemBytes, type Way } from './impairment.js'
import type { ActiveImpairment } from './impairment-set.js'
import { addStages, removeStages, replaceStages, type SharedStageState, type StageHost } from './stages.js'
import type { ConnectionLog } from './stats.js'
import type { ConnectionEnd } from './types.js'

/** Bytes a way may hold inside its stages before the source is paused (a link's buffer, not a memory sink). */
const HELD_LIMIT = 256 * 1024

/** Bytes waiting in the destination socket before the source is paused. */
const DEST_LIMIT = 1024 * 1024

/** One way of a connection: source socket -> stages -> destination socket, with backpressure. */
class WayPipe {
  readonly chain: Chain
  private held = 0
  private destBlocked = false
  private sourcePaused = false
  private corked = false
  private readonly uncork = (): void => {
    this.corked = false
    this.dest.uncork()
  }

  constructor(
    readonly way: Way,
    private readonly source: net.Socket,
    private readonly dest: net.Socket,
    private readonly connection: TcpConnection,
    private readonly busyPoll: BusyPoll,
  ) {
    this.chain = new Chain(this.sink)
    dest.on('drain', () => {
      this.destBlocked = false
      this.maybeResume()
    })
    source.on('data', this.onData)
    source.on('end', () => this.chain.write({ signal: 'fin' }))
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.connection.swallowing) return
    this.busyPoll.arrived(this.connection, this.way)
    this.held += chunk.length
    this.chain.write(chunk)
    if (!this.sourcePaused && (this.destBlocked || this.held > HELD_LIMIT)) {
      this.sourcePaused = true
      this.source.pause()
    }
  }

  private readonly sink = (item: Item): void => {
    if (Buffer.isBuffer(item)) {
      this.held -= item.length
      if (this.connection.swallowing || this.dest.destroyed) {
        this.maybeResume()
        return
      }
      this.connection.delivered(this.way, item.length)
      if (!this.corked) {
        this.corked = true
        this.dest.cork()
        setImmediate(this.uncork)
      }
      this.dest.write(item)
      if (this.dest.writableLength > DEST_LIMIT) this.destBlocked = true
      this.maybeResume()
    } else if (item.signal === 'fin') {
      if (!this.dest.destroyed) this.dest.end()
    } else {
      this.connection.terminate(item.end, 'close')
    }
  }

  /** An item a stage dropped or swallowed. */
  discard(item: Item): void {
    this.held -= itemBytes(item)
    this.maybeResume()
  }

  private maybeResume(): void {
    if (this.sourcePaused && !this.destBlocked && this.held <= HELD_LIMIT / 2) {
      this.sourcePaused = false
      this.source.resume()
    }
  }
}

/** One client connection and its dial to the target. */
export class TcpConnection implements Conversation, StageHost {
  readonly protocol = 'tcp'
  private target: net.Socket | undefined
  private upstream: WayPipe | undefined
  private downstream: WayPipe | undefined
  private ended = false
  /** Set by a blackhole outage: bytes are read and dropped both ways. */
  swallowing = false
  lastWay: Way | undefined

  constructor(
    readonly client: net.Socket,
    readonly log: ConnectionLog,
    private readonly engine: EngineContext & {
      readonly shared: SharedStageState
      forget(c: TcpConnection): void
    },
  ) {
    client.setNoDelay(true)
    client.on('error', (error) => this.socketFailed('client-reset', error))
    client.on('close', () => this.socketClosed())
  }

  /** Dial the target after `predialMs`; bytes from the client wait in the kernel meanwhile. */
  dial(predialMs: number): void {
    this.client.pause()
    const go = (): void => {
      if (this.ended) return
      const { host, port } = this.engine.target
      let target: net.Socket
      try {
        target = net.connect({ host, port, noDelay: true, allowHalfOpen: true })
      } catch (error) {
        // A target that cannot be dialled at all (port 0 from an upstream with no usable port).
        this.terminate('dial-failed', 'close', error as Error)
        return
      }
      this.target = target
      target.on('error', (error) => {
        if (this.upstream) this.socketFailed('target-reset', error)
        else this.terminate('dial-failed', 'close', error)
      })
      target.on('close', () => this.socketClosed())
      target.once('connect', () => {
        if (this.ended || this.client.destroyed) {
          target.destroy()
          return
        }
        this.upstream = new WayPipe('upstream', this.client, target, this, this.engine.busyPoll)
        this.downstream = new WayPipe('downstream', target, this.client, this, this.engine.busyPoll)
        for (const entry of this.engine.impairments()) this.addStages(entry)
        this.client.resume()
      })
    }
    if (predialMs > 0) {
      this.predialTimer = setTimeout(go, predialMs)
    } else {
      go()
    }
  }

  private predialTimer: NodeJS.Timeout | undefined

  /** Accept into a blackhole: read and drop everything, never dial. */
  blackhole(): void {
    this.swallowing = true
    this.client.on('data', () => {})
    // The client's FIN is answered, so a client that gives up closes cleanly.
    this.client.on('end', () => this.client.end())
  }

  /** Count bytes handed to a destination. */
  delivered(way: Way, bytes: number): void {
    this.engine.counters.delivered(this.log, way === 'upstream', bytes)
  }

  get seed(): number {
    return this.engine.seed
  }

  get conversation(): number {
    return this.log.id
  }

  get shared(): SharedStageState {
    return this.engine.shared
  }

  /** Put an impairment's stages on the ways it acts on (if its toxicity picks this connection). */
  addStages(entry: ActiveImpairment): void {
    if (this.upstream) addStages(this, entry)
  }

  /** Swap an impairment's stages for ones with new parameters, keeping what they held. */
  replaceStages(previous: ActiveImpairment, next: ActiveImpairment): void {
    if (this.upstream) replaceStages(this, previous, next)
  }

  /** Take an impairment's stages off; what they held moves on. */
  removeStages(entry: ActiveImpairment): void {
    if (this.upstream) removeStages(this, entry)
  }

  /** The stages of one way (only once the target is dialled). */
  chain(way: Way): Chain {
    return this.pipe(way).chain
  }

  /** An item a stage dropped or swallowed. */
  discard(way: Way, item: Item): void {
    this.pipe(way).discard(item)
  }

  /** TCP stages count no datagrams. */
  count(): void {}

  /** End the connection: 'close' sends FIN after what was already written, 'reset' sends RST. */
  terminate(end: ConnectionEnd, how: 'close' | 'reset', error?: Error): void {
    if (this.ended) return
    this.ended = true
    if (this.predialTimer) clearTimeout(this.predialTimer)
    this.engine.counters.finish(this.log, end, error)
    this.upstream?.chain.drop()
    this.downstream?.chain.drop()
    for (const socket of [this.client, this.target]) {
      if (!socket || socket.destroyed) continue
      if (how === 'reset') {
        // Guarded: a half-closed socket or one with queued writes is destroyed instead (see resetSocket).
        resetSocket(socket)
      } else {
        // Read and drop what still comes, so the close is a FIN rather than an RST on unread data.
        socket.on('data', () => {})
        socket.resume()
        socket.end(() => socket.destroy())
      }
    }
  }

  private pipe(way: Way): WayPipe {
    return (way === 'upstream' ? this.upstream : this.downstream) as WayPipe
  }

  /** One side vanished abruptly: pass the reset on to the other side, through the one close path. */
  private socketFailed(end: ConnectionEnd, error: Error): void {
    this.terminate(this.swallowing ? 'blackholed' : end, 'reset', error)
  }

  private socketClosed(): void {
    const target = this.target
    if (this.client.destroyed && target && !target.destroyed && !this.upstream) {
      // The client left while the dial was in flight: nothing to carry any more.
      target.destroy()
      return
    }
    // Wait for both sides: a side that closed cleanly may still have bytes in the other way's stages.
    if (!this.client.destroyed || (target && !target.destroyed)) return
    if (this.forgotten) return
    this.forgotten = true
    if (!this.ended) {
      this.ended = true
      if (this.predialTimer) clearTimeout(this.predialTimer)
      this.engine.counters.finish(this.log, this.swallowing ? 'blackholed' : 'closed')
    }
    this.upstream?.chain.drop()
    this.downstream?.chain.drop()
    this.engine.forget(this)
  }

  private forgotten = false

  /** Close everything at once (proxy shutdown). */
  shutdown(): void {
    this.terminate('proxy-closed', 'close')
    this.client.destroy()
    this.target?.destroy()
  }
}
