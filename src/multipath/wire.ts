// The byte pipe under one subflow: a TCP socket, or one bidirectional stream on its own QUIC
// connection. Both carry the same multipath bytes (lead bytes, then frames); a subflow sees only
// this interface, so failure detection, pings and redial are the same over either.
import type net from 'node:net'
import type { QuicConnection } from '../transport/quic/connection.js'
import type { QuicStream } from '../transport/quic/stream.js'
import { resetSocket } from '../transport/tcp/reset.js'

/** Where received bytes and the end of the pipe go. */
export interface WireHandlers {
  data(chunk: Buffer): void
  /** Called once when the pipe is gone (closed, reset or failed), with why and the error if any. */
  close(reason: string, error?: Error): void
}

/** One subflow's byte pipe. */
export interface SubflowWire {
  /** 'tcp' or 'quic': what the subflow runs on. */
  readonly kind: 'tcp' | 'quic'
  /**
   * Route received bytes and the close to `handlers`. While none are set, received bytes wait
   * (in order) and a close is remembered, so nothing is lost between the handshake and the subflow.
   */
  route(handlers: WireHandlers | undefined): void
  /** Queue bytes; false when the pipe's buffer is full. */
  write(chunk: Uint8Array): boolean
  /** Graceful close: flush what is queued, then a FIN; dropped after 2 s if the peer never answers. */
  end(): void
  /** Abrupt close, no goodbye beyond a reset. */
  destroy(): void
  /** Calls handler once the socket or QUIC connection underneath is released. */
  whenGone(handler: () => void): void
}

/** A peer that never answers a FIN must not keep the pipe open longer than this. */
const LINGER_MS = 2000

/** Buffers bytes and the close while no handlers are routed. */
class Router {
  private handlers: WireHandlers | undefined
  private waiting: Buffer[] = []
  private closedWith: { reason: string; error: Error | undefined } | undefined
  private closed = false

  route(handlers: WireHandlers | undefined, onHold: (held: boolean) => void): void {
    this.handlers = handlers
    if (!handlers) {
      onHold(true)
      return
    }
    // One at a time: a handler may route elsewhere mid-way, and the rest must wait for the next.
    while (this.waiting.length > 0) {
      if (this.handlers !== handlers) return
      handlers.data(this.waiting.shift()!)
    }
    if (this.handlers !== handlers) return
    if (this.closed && this.closedWith !== undefined) {
      const { reason, error } = this.closedWith
      this.closedWith = undefined
      handlers.close(reason, error)
      return
    }
    onHold(false)
  }

  data(chunk: Buffer): void {
    if (this.closed) return
    if (this.handlers) this.handlers.data(chunk)
    else this.waiting.push(chunk)
  }

  close(reason: string, error?: Error): void {
    if (this.closed) return
    this.closed = true
    if (this.handlers) this.handlers.close(reason, error)
    else this.closedWith = { reason, error }
  }
}

/** A subflow pipe over a connected TCP socket. */
export function tcpWire(socket: net.Socket): SubflowWire {
  const router = new Router()
  socket.setNoDelay(true)
  socket.on('data', (chunk: Buffer) => router.data(chunk))
  socket.on('error', (error) => router.close(error.message, error))
  socket.on('end', () => router.close('closed by the peer'))
  socket.on('close', () => router.close('closed'))
  return {
    kind: 'tcp',
    route: (handlers) => router.route(handlers, (held) => (held ? socket.pause() : socket.resume())),
    write: (chunk) => socket.write(chunk),
    end() {
      socket.end()
      const linger = setTimeout(() => socket.destroy(), LINGER_MS)
      linger.unref()
      socket.once('close', () => clearTimeout(linger))
    },
    destroy: () => resetSocket(socket),
    whenGone: (handler) => {
      if (socket.destroyed) queueMicrotask(handler)
      else socket.once('close', handler)
    },
  }
}

/**
 * A subflow pipe over one bidirectional stream of a QUIC connection that carries nothing else.
 * The connection goes with the stream: closed once both FINs are through, reset with it.
 */
export function quicWire(conn: QuicConnection, stream: QuicStream): SubflowWire {
  const router = new Router()
  let done = false
  stream.onData((chunk) => router.data(chunk))
  stream.onClose((error) => {
    if (error) {
      router.close(error.message, error)
      conn.close(1, 'subflow failed')
    } else {
      router.close('closed by the peer')
      // Closing at once could drop the peer's ACK of our FIN; wait until quiche retired the stream.
      if (stream.id >= 0) conn.closeWhenDelivered(stream.id, LINGER_MS)
      else conn.close(0, 'subflow ended')
    }
  })
  conn.onClose((error) => {
    done = true
    stream.abort(error)
    router.close(error?.message ?? 'QUIC connection closed', error)
  })
  return {
    kind: 'quic',
    route: (handlers) => router.route(handlers, (held) => (held ? stream.pause() : stream.resume())),
    write: (chunk) => stream.send(chunk),
    end() {
      if (done) return
      stream.end()
      const linger = setTimeout(() => conn.close(1, 'subflow end not answered'), LINGER_MS)
      linger.unref()
      conn.onClose(() => clearTimeout(linger))
    },
    destroy() {
      if (done) return
      done = true
      stream.destroy()
      conn.close(1, 'subflow reset')
    },
    whenGone: (handler) => conn.onClose(() => handler()),
  }
}
