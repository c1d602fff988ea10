import type { Link } from '../link.js'
import type { QuicConnection } from './connection.js'
import type { QuicStream } from './stream.js'

/**
 * The first byte a client writes on a link's stream. QUIC only tells a server about a stream
 * once bytes arrive on it, so the client speaks first and the node sees the link straight after
 * the handshake, whichever side the protocol above lets talk first.
 */
export const LINK_PREAMBLE = 0x71

/** The client-initiated stream a link travels on (the first bidirectional one). */
export const LINK_STREAM_ID = 0

const PREAMBLE = new Uint8Array([LINK_PREAMBLE])

/**
 * A Link: one bidirectional stream on its own QUIC connection. end() sends a FIN and the
 * connection closes once both sides' FINs are through; destroy() resets the connection.
 */
export class QuicLink implements Link {
  readonly remote: string
  private closeHandler: ((error?: Error) => void) | undefined
  private closed = false
  private closeError: Error | undefined

  private constructor(
    private readonly conn: QuicConnection,
    private readonly stream: QuicStream,
  ) {
    this.remote = conn.remote
    stream.onClose((error) => this.finish(error))
    conn.onClose((error) => {
      this.stream.abort(error)
      this.finish(error)
    })
  }

  /** Client side: opens the link's stream and announces it. */
  static open(conn: QuicConnection): QuicLink {
    const stream = conn.openStream()
    stream.send(PREAMBLE)
    return new QuicLink(conn, stream)
  }

  /**
   * Node side: waits for the client's link stream and hands the link over once its preamble
   * arrived. Any other stream, or a wrong preamble, closes the connection.
   */
  static accept(conn: QuicConnection, onLink: (link: Link) => void): void {
    conn.onStream((stream) => {
      if (stream.id !== LINK_STREAM_ID) {
        stream.destroy()
        return
      }
      let link: QuicLink | undefined
      stream.onData((chunk) => {
        if (link !== undefined) {
          link.deliver(chunk)
          return
        }
        if (chunk[0] !== LINK_PREAMBLE) {
          conn.close(2, 'not a quicksand link')
          return
        }
        link = new QuicLink(conn, stream)
        // Data that came in with the preamble waits in the stream until onData is set.
        link.pending = chunk.length > 1 ? [chunk.subarray(1)] : []
        onLink(link)
      })
    })
  }

  private dataHandler: ((chunk: Buffer) => void) | undefined
  private pending: Buffer[] | undefined

  private deliver(chunk: Buffer): void {
    if (this.dataHandler) this.dataHandler(chunk)
    else if (this.pending) this.pending.push(chunk)
    else this.pending = [chunk]
  }

  send(chunk: Uint8Array): boolean {
    return this.stream.send(chunk)
  }

  onData(handler: (chunk: Buffer) => void): void {
    this.dataHandler = handler
    const pending = this.pending
    this.pending = undefined
    if (pending) for (const chunk of pending) handler(chunk)
    // On the client the stream delivers directly; on the node, accept() routes through deliver().
    if (!this.conn.isServer) this.stream.onData(handler)
  }

  onDrain(handler: () => void): void {
    this.stream.onDrain(handler)
  }

  onClose(handler: (error?: Error) => void): void {
    this.closeHandler = handler
    if (this.closed) queueMicrotask(() => handler(this.closeError))
  }

  end(): void {
    this.stream.end()
  }

  destroy(): void {
    if (this.closed) return
    this.conn.close(1, 'link destroyed')
    this.finish()
    this.stream.abort()
  }

  private finish(error?: Error): void {
    if (this.closed) return
    this.closed = true
    this.closeError = error
    // Both FINs are through (or the stream failed): the connection has no more use. After a clean
    // finish it closes once the peer has acknowledged our FIN; closing at once would drop it.
    if (error) this.conn.close(1, 'link failed')
    else this.conn.closeWhenDelivered(this.stream.id)
    this.closeHandler?.(error)
  }
}
