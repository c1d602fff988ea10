import type { Connection } from '@matrixai/quic/native/types.js'
import { RunError } from '../../errors/kinds.js'

/** What a stream needs from the connection carrying it. */
export interface StreamCarrier {
  readonly native: Connection
  readonly remote: string
  /** Writes into quiche for a stream, opening it (assigning its id) on first use; null when there is no room. */
  streamSend(stream: QuicStream, data: Uint8Array, fin: boolean): number | null
  /** Asks for a flush (send loop) on the next turn. */
  markDirty(): void
  /** Puts the stream on the list retried when the connection has room again. */
  wantWrite(stream: QuicStream): void
  /** Forgets a stream that has finished both ways or failed. */
  release(stream: QuicStream): void
}

/** A send queue this large makes send() return false until onDrain. */
const HIGH_WATER_MARK = 1024 * 1024
/** Largest single read from quiche. */
const READ_CHUNK = 64 * 1024
const READ_SLAB = 1024 * 1024
const EMPTY = new Uint8Array(0)

// Received bytes are read straight into a shared slab and handed out as views that are never
// reused, so a reader may keep a chunk without copying it.
let readSlab = Buffer.allocUnsafe(READ_SLAB)
let readOffset = 0

/**
 * One bidirectional QUIC stream: an ordered byte pipe with backpressure both ways.
 * Writing is bounded by quiche's stream and congestion windows plus a JS queue; reading stops
 * while paused, so the peer is held back by flow control. A FIN from the peer ends this side too
 * (no half-open streams), and the stream closes once both FINs are through.
 */
export class QuicStream {
  /** QUIC stream id; -1 until a locally opened stream gets one (on its first write). */
  id: number
  private readonly queue: Uint8Array[] = []
  private queueHead = 0
  private queuedBytes = 0
  private ending = false
  private finSent = false
  private finReceived = false
  private closed = false
  private paused = false
  private needDrain = false
  private dataHandler: ((chunk: Buffer) => void) | undefined
  private drainHandler: (() => void) | undefined
  private closeHandler: ((error?: Error) => void) | undefined
  private early: Buffer[] = []
  private closeError: Error | undefined
  bytesIn = 0
  bytesOut = 0

  constructor(
    private readonly carrier: StreamCarrier,
    id: number,
  ) {
    this.id = id
  }

  get remote(): string {
    return this.carrier.remote
  }

  /** True once the stream has closed (cleanly or not). */
  get isClosed(): boolean {
    return this.closed
  }

  /** Bytes accepted by send() that quiche has not taken yet. */
  get writableLength(): number {
    return this.queuedBytes
  }

  /** Queues bytes; returns false when the caller should wait for onDrain. */
  send(chunk: Uint8Array): boolean {
    if (this.closed || this.ending || chunk.length === 0) return !this.closed && !this.ending
    if (this.queuedBytes === 0) {
      const written = this.write(chunk, false)
      if (written < 0) return false
      if (written === chunk.length) {
        this.carrier.markDirty()
        return true
      }
      chunk = chunk.subarray(written)
    }
    this.queue.push(chunk)
    this.queuedBytes += chunk.length
    this.carrier.wantWrite(this)
    this.carrier.markDirty()
    if (this.queuedBytes >= HIGH_WATER_MARK) {
      this.needDrain = true
      return false
    }
    return true
  }

  /** Sets the handler for received bytes; chunks that arrived earlier are delivered first. */
  onData(handler: (chunk: Buffer) => void): void {
    this.dataHandler = handler
    const early = this.early
    this.early = []
    for (const chunk of early) handler(chunk)
  }

  onDrain(handler: () => void): void {
    this.drainHandler = handler
  }

  /** Sets the handler called once when the stream is gone; called at once if it already is. */
  onClose(handler: (error?: Error) => void): void {
    this.closeHandler = handler
    if (this.closed) queueMicrotask(() => handler(this.closeError))
  }

  /** Stops reading: the peer is held back by stream flow control until resume(). */
  pause(): void {
    this.paused = true
  }

  resume(): void {
    if (!this.paused) return
    this.paused = false
    this.carrier.markDirty()
  }

  /** Graceful close: send what is queued, then a FIN. */
  end(): void {
    if (this.closed || this.ending) return
    this.ending = true
    if (this.queuedBytes === 0) this.sendFin()
    else this.carrier.wantWrite(this)
    this.carrier.markDirty()
  }

  /** Abrupt close: drop queued bytes and reset the stream both ways. */
  destroy(error?: Error): void {
    if (this.closed) return
    if (this.id >= 0) {
      try {
        this.carrier.native.streamShutdown(this.id, 0, 0)
      } catch {}
      try {
        this.carrier.native.streamShutdown(this.id, 1, 0)
      } catch {}
      this.carrier.markDirty()
    }
    this.finish(error)
  }

  /** Writes queued bytes while quiche has room; returns true while more is left to write. */
  pump(): boolean {
    if (this.closed) return false
    while (this.queueHead < this.queue.length) {
      const chunk = this.queue[this.queueHead]!
      const last = this.queueHead === this.queue.length - 1
      const written = this.write(chunk, last && this.ending)
      if (written < 0) return false
      this.queuedBytes -= written
      if (written < chunk.length) {
        this.queue[this.queueHead] = chunk.subarray(written)
        return true
      }
      this.queue[this.queueHead++] = EMPTY
    }
    this.queue.length = 0
    this.queueHead = 0
    if (this.ending && !this.finSent) {
      this.sendFin()
      if (!this.finSent) return !this.closed
    }
    if (this.needDrain) {
      this.needDrain = false
      this.drainHandler?.()
    }
    return false
  }

  /** Reads everything quiche holds for this stream, unless paused. */
  readIn(): void {
    const native = this.carrier.native
    while (!this.paused && !this.closed && !this.finReceived) {
      if (READ_SLAB - readOffset < READ_CHUNK) {
        readSlab = Buffer.allocUnsafe(READ_SLAB)
        readOffset = 0
      }
      let result: [number, boolean] | null
      try {
        result = native.streamRecv(this.id, readSlab.subarray(readOffset, readOffset + READ_CHUNK))
      } catch (error) {
        this.finish(
          new RunError(
            'reset',
            `QUIC stream ${this.id} from ${this.remote} was reset: ${(error as Error).message}`,
          ),
        )
        return
      }
      if (result === null) return
      const [n, fin] = result
      if (n > 0) {
        const chunk = readSlab.subarray(readOffset, readOffset + n)
        readOffset += n
        this.bytesIn += n
        if (this.dataHandler) this.dataHandler(chunk)
        else this.early.push(chunk)
      }
      if (fin) {
        this.finReceived = true
        // No half-open streams: the peer's FIN ends our side too, which also returns stream credit.
        this.end()
        this.checkDone()
      } else if (n < READ_CHUNK) {
        // quiche fills the buffer while contiguous bytes remain, so a short read took them all:
        // asking again would only be told there is nothing more.
        return
      }
    }
  }

  /** Fails the stream because its connection is gone. */
  abort(error?: Error): void {
    this.finish(
      error ??
        new RunError(
          'connection_closed',
          `QUIC connection to ${this.remote} closed before stream ${this.id} finished`,
        ),
    )
  }

  private sendFin(): void {
    this.write(EMPTY, true)
    if (!this.finSent && !this.closed) this.carrier.wantWrite(this)
  }

  /** One streamSend; returns bytes accepted, or -1 when the stream failed. */
  private write(data: Uint8Array, fin: boolean): number {
    let written: number | null
    try {
      written = this.carrier.streamSend(this, data, fin)
    } catch (error) {
      this.finish(
        new RunError('reset', `QUIC stream ${this.id} to ${this.remote} failed: ${(error as Error).message}`),
      )
      return -1
    }
    if (written === null) return 0
    this.bytesOut += written
    // quiche records the FIN only when the whole buffer was taken.
    if (fin && written === data.length) {
      this.finSent = true
      this.checkDone()
    }
    return written
  }

  private checkDone(): void {
    if (this.finSent && this.finReceived && !this.closed) this.finish()
  }

  private finish(error?: Error): void {
    if (this.closed) return
    this.closed = true
    this.closeError = error
    this.queue.length = 0
    this.queueHead = 0
    this.queuedBytes = 0
    this.carrier.release(this)
    this.closeHandler?.(error)
  }
}
