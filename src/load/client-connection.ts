import { classifyError, describeFailure, type ErrorKind, RunError } from '../errors/kinds.js'
import { FrameDecoder } from '../protocol/codec.js'
import {
  ErrorCode,
  encodeDataHeader,
  encodeFrame,
  type Frame,
  FrameType,
  type TrafficClassName,
} from '../protocol/frames.js'
import type { Link } from '../transport/types.js'

/** Why a wait on a channel ended without a frame: a RunError, so its kind is the report's. */
export class ChannelError extends RunError {
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(kind, message, options)
    this.name = 'ChannelError'
  }
}

/** What a wait that ran out was waiting for, in words. */
const WAITED_FOR: Partial<Record<ErrorKind, string>> = {
  ack_timeout: 'no ACK',
  connect_timeout: 'connection not up end to end: no answer',
  stream_timeout: 'stream timeout: no frame',
  run_timeout: 'run timeout: no frame',
}

type Waiter = {
  resolve: (frame: Frame) => void
  reject: (error: ChannelError) => void
  timer: NodeJS.Timeout
}

/** The client's end of one logical channel: frames for it queue here until the stream asks. */
export class ClientChannel {
  private readonly queue: Frame[] = []
  private waiter: Waiter | undefined
  private failure: ChannelError | undefined
  closed = false

  constructor(
    readonly id: number,
    private readonly connection: ClientConnection,
  ) {}

  /** 'host:port' of the node at the other end. */
  get remote(): string {
    return this.connection.remote
  }

  /** True once the node has sent a frame on this channel's connection: it is up end to end. */
  get confirmed(): boolean {
    return this.connection.heard
  }

  /** Queue a DATA frame; false when the link asks the sender to wait for drain. */
  sendData(sequence: number, payload: Uint8Array): boolean {
    // Header and payload as two writes: the link gathers them, the payload is never copied.
    this.connection.send(encodeDataHeader(this.id, sequence, payload.length))
    return this.connection.send(payload)
  }

  /** Ask the node to close the channel; it answers with CLOSE_ACK. */
  sendClose(totalBytes: number): void {
    this.connection.send(encodeFrame({ type: FrameType.CLOSE, channel: this.id, totalBytes }))
  }

  /** Wait until the link can take more bytes (or fails). */
  drained(): Promise<void> {
    return this.connection.drained()
  }

  /** The next frame for this channel, or a ChannelError of `kind` after `limitMs`. */
  next(limitMs: number, kind: ErrorKind): Promise<Frame> {
    const frame = this.queue.shift()
    if (frame) return Promise.resolve(frame)
    if (this.failure) return Promise.reject(this.failure)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.waiter = undefined
          const what = WAITED_FOR[kind] ?? kind.replace(/_/g, ' ')
          reject(
            new ChannelError(
              kind,
              `${what} from ${this.remote} on channel ${this.id} within ${Math.round(limitMs)} ms`,
            ),
          )
        },
        Math.max(0, limitMs),
      )
      this.waiter = { resolve, reject, timer }
    })
  }

  /** Give up on the channel: tell the node, forget it locally. */
  abandon(reason: string): void {
    if (this.closed) return
    this.closed = true
    this.connection.forget(this.id)
    if (this.connection.alive) {
      this.connection.send(
        encodeFrame({ type: FrameType.ERROR, channel: this.id, code: ErrorCode.INTERNAL, reason }),
      )
    }
  }

  /** The channel finished with CLOSE_ACK. */
  finish(): void {
    this.closed = true
    this.connection.forget(this.id)
  }

  deliver(frame: Frame): void {
    const waiter = this.waiter
    if (waiter) {
      this.waiter = undefined
      clearTimeout(waiter.timer)
      waiter.resolve(frame)
    } else {
      this.queue.push(frame)
    }
  }

  fail(error: ChannelError): void {
    if (this.failure) return
    this.failure = error
    const waiter = this.waiter
    if (waiter) {
      this.waiter = undefined
      clearTimeout(waiter.timer)
      waiter.reject(error)
    }
  }
}

/** One connection from a worker to a target, carrying many logical channels. */
export class ClientConnection {
  private readonly channels = new Map<number, ClientChannel>()
  private readonly decoder: FrameDecoder
  private nextChannel = 1
  private drainWaiters: Array<() => void> = []
  private readonly pongWaiters = new Map<number, (frame: Frame) => void>()
  private nextNonce = 1
  alive = true
  /** A frame came back: the node itself answers, not just a proxy in front of it. */
  heard = false
  failure: ChannelError | undefined

  constructor(
    private readonly link: Link,
    maxPayload: number,
    private readonly onGone: (connection: ClientConnection) => void,
  ) {
    this.decoder = new FrameDecoder(maxPayload)
    link.onData((chunk) => this.receive(chunk))
    link.onDrain(() => this.wakeDrainWaiters())
    link.onClose((error) => {
      // A failure this side noticed first (a protocol error) is the cause; the close follows it.
      if (this.failure) this.die(this.failure)
      else if (error)
        this.die(
          new ChannelError(classifyError(error), describeFailure(error, link.remote), { cause: error }),
        )
      else this.die(new ChannelError('connection_closed', `connection closed by ${link.remote}`))
    })
  }

  /** 'host:port' of the node at the other end. */
  get remote(): string {
    return this.link.remote
  }

  /** Channels currently open on this connection. */
  get openChannels(): number {
    return this.channels.size
  }

  /** Open a logical channel for `stream`; the node acknowledges it with ACK sequence 0. */
  open(stream: number, trafficClass: TrafficClassName, resumeOffset: number): ClientChannel {
    const id = this.nextChannel++
    const channel = new ClientChannel(id, this)
    this.channels.set(id, channel)
    this.send(encodeFrame({ type: FrameType.OPEN, channel: id, stream, trafficClass, resumeOffset }))
    return channel
  }

  /** Send a PING and resolve with the ms until its PONG; rejects after `limitMs` or when the connection dies. */
  ping(limitMs: number): Promise<number> {
    const nonce = this.nextNonce++
    const sent = performance.now()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pongWaiters.delete(nonce)
        reject(
          new ChannelError('ack_timeout', `no PONG from ${this.remote} within ${Math.round(limitMs)} ms`),
        )
      }, limitMs)
      this.pongWaiters.set(nonce, (frame) => {
        clearTimeout(timer)
        this.pongWaiters.delete(nonce)
        if (frame.type === FrameType.PONG) resolve(performance.now() - sent)
        else
          reject(this.failure ?? new ChannelError('connection_closed', `connection to ${this.remote} closed`))
      })
      this.send(encodeFrame({ type: FrameType.PING, channel: 0, nonce }))
    })
  }

  send(bytes: Uint8Array): boolean {
    if (!this.alive) return true
    return this.link.send(bytes)
  }

  drained(): Promise<void> {
    if (!this.alive) return Promise.resolve()
    return new Promise((resolve) => this.drainWaiters.push(resolve))
  }

  forget(id: number): void {
    this.channels.delete(id)
  }

  /** Close the connection in order (end of run). */
  end(): void {
    this.link.end()
  }

  destroy(): void {
    this.link.destroy()
  }

  private receive(chunk: Buffer): void {
    let frames: Frame[]
    try {
      frames = this.decoder.push(chunk)
    } catch (error) {
      this.failure = new ChannelError(
        'protocol_error',
        `${this.link.remote} sent bytes that are not fabric frames: ${(error as Error).message}`,
      )
      this.link.destroy()
      return
    }
    if (frames.length > 0) this.heard = true
    for (const frame of frames) {
      if (frame.type === FrameType.ERROR && frame.channel === 0) {
        // The node refused the connection's input and is closing it.
        this.failure = new ChannelError(
          'protocol_error',
          `${this.link.remote} refused the connection's input: node error ${frame.code}: ${frame.reason}`,
        )
        continue
      }
      if (frame.type === FrameType.PONG && frame.channel === 0) {
        this.pongWaiters.get(frame.nonce)?.(frame)
        continue
      }
      this.channels.get(frame.channel)?.deliver(frame)
    }
  }

  private wakeDrainWaiters(): void {
    const waiters = this.drainWaiters
    this.drainWaiters = []
    for (const wake of waiters) wake()
  }

  private die(error: ChannelError): void {
    if (!this.alive) return
    this.alive = false
    this.failure = error
    for (const channel of this.channels.values()) channel.fail(error)
    // A PING waiting for its PONG learns the connection is gone (any non-PONG frame says so).
    for (const settle of [...this.pongWaiters.values()])
      settle({ type: FrameType.ERROR, channel: 0, code: 0, reason: error.message })
    this.wakeDrainWaiters()
    this.onGone(this)
  }
}
