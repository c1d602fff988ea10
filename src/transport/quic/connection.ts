import type { Connection, ConnectionError, Host, RecvInfo } from '@matrixai/quic/native/types.js'
import { formatHostPort } from '../../address.js'
import { type ErrorKind, RunError } from '../../errors/kinds.js'
import { fingerprintOfDer } from './certificate.js'
import { QuicStream, type StreamCarrier } from './stream.js'

/** What a connection needs from the UDP endpoint carrying it. */
export interface ConnectionHost {
  readonly local: Host
  /** Schedules this connection for the once-per-turn flush. */
  markDirty(conn: QuicConnection): void
  /** A packet that failed inside quiche; counted as bad. */
  countBadPacket(): void
  /** Drops every route to a finished connection. */
  forget(conn: QuicConnection): void
}

const SHUTDOWN_READ = 0
/** RFC 9000 transport error a server sends when it will not take the connection. */
const CONNECTION_REFUSED = 0x2
const BLOCKED_STREAMS_BEFORE_STOP = 8
/**
 * A client with open streams PINGs after this long without a packet from the node. A node that
 * crashed sends no CONNECTION_CLOSE, and a client waiting for its answer has nothing in flight,
 * so without the PING it would only learn at the idle timeout; with it, the ICMP unreachable the
 * PING meets ends the connection as a reset well inside any ACK timeout.
 */
const LIVENESS_PROBE_MS = 250

/**
 * One QUIC connection over the native quiche binding: streams, timers, handshake and close.
 * Packet I/O belongs to the endpoint; this class only turns quiche state into stream events.
 */
export class QuicConnection implements StreamCarrier {
  readonly remote: string
  /** The destination connection ids peers use to reach this connection (map keys, latin1). */
  readonly routes: string[] = []
  recvInfo: RecvInfo
  established = false
  closed = false
  /** close() was called: the next flush sends CONNECTION_CLOSE and then forgets the connection. */
  closing = false
  /** Datagrams fed to this connection after it was created. */
  packetsReceived = 0
  /** Set by the endpoint's flush bookkeeping. */
  dirty = false
  /** SHA-256 of the peer's leaf certificate (lowercase hex), once established; empty on a server. */
  peerFingerprint = ''
  closeError: Error | undefined
  private readonly streams = new Map<number, QuicStream>()
  private readonly unopened = new Set<QuicStream>()
  private readonly writers = new Set<QuicStream>()
  private lastReader: QuicStream | undefined
  private nextLocalId: number
  private timer: NodeJS.Timeout | undefined
  private timerDeadline = Number.POSITIVE_INFINITY
  private lastHeardAt = performance.now()
  private heard = false
  private streamHandler: ((stream: QuicStream) => void) | undefined
  private readonly establishedHandlers: (() => void)[] = []
  private readonly closeHandlers: ((error?: Error) => void)[] = []
  private lingerStream = -1
  private lingerUntil = 0
  private readonly timerCallback = () => this.onTimer()

  constructor(
    private readonly host: ConnectionHost,
    readonly native: Connection,
    /** Our source connection id: what the peer puts in short headers. */
    readonly scid: Buffer,
    readonly isServer: boolean,
    readonly peer: Host,
    /** Send a PING after this long without hearing from the peer (0 = never). */
    private readonly keepAliveMs: number,
  ) {
    this.remote = formatHostPort(peer.host, peer.port)
    this.recvInfo = { from: peer, to: host.local }
    this.nextLocalId = isServer ? 1 : 0
  }

  /** Streams currently open on this connection. */
  get streamCount(): number {
    return this.streams.size + this.unopened.size
  }

  /** Opens a bidirectional stream; it gets its id (and reaches the peer) with its first write. */
  openStream(): QuicStream {
    if (this.closed) throw new RunError('connection_closed', `QUIC connection to ${this.remote} is closed`)
    const stream = new QuicStream(this, -1)
    this.unopened.add(stream)
    return stream
  }

  /** Sets the handler for streams the peer opens. */
  onStream(handler: (stream: QuicStream) => void): void {
    this.streamHandler = handler
  }

  /** Calls handler once the handshake completes (at once if it has). */
  onEstablished(handler: () => void): void {
    if (this.established) handler()
    else this.establishedHandlers.push(handler)
  }

  /** Calls handler once when the connection is gone, with the error if it did not close cleanly. */
  onClose(handler: (error?: Error) => void): void {
    if (this.closed) queueMicrotask(() => handler(this.closeError))
    else this.closeHandlers.push(handler)
  }

  /** Graceful close: sends CONNECTION_CLOSE with an application code; streams still open fail. */
  close(code = 0, reason = ''): void {
    if (this.closed) return
    this.closing = true
    try {
      this.native.close(true, code, Buffer.from(reason))
    } catch {}
    this.host.markDirty(this)
  }

  /**
   * Closes the connection (code 0) once quiche has retired the given stream, i.e. the peer
   * acknowledged everything on it, or after lingerMs at the latest.
   */
  closeWhenDelivered(streamId: number, lingerMs = 10_000): void {
    if (this.closed) return
    this.lingerStream = streamId
    this.lingerUntil = performance.now() + lingerMs
    this.host.markDirty(this)
  }

  /** Ends every stream gracefully (queued bytes, then FIN); the connection stays up. */
  endStreams(): void {
    for (const stream of [...this.streams.values(), ...this.unopened]) stream.end()
  }

  /** Abrupt close: forget the connection without a packet to the peer, as a crash would. */
  kill(error?: Error): void {
    this.finish(error ?? new RunError('aborted', `QUIC connection to ${this.remote} was killed`))
  }

  // ---- StreamCarrier ----

  streamSend(stream: QuicStream, data: Uint8Array, fin: boolean): number | null {
    if (stream.id >= 0) return this.native.streamSend(stream.id, data, fin)
    // A new stream: quiche refuses ids beyond the peer's limit, and does not open a stream it
    // could not put a byte into, so the id is only taken when the write succeeds.
    if (this.native.peerStreamsLeftBidi() === 0) return null
    const id = this.nextLocalId
    const written = this.native.streamSend(id, data, fin)
    if (written === null) return null
    this.nextLocalId += 4
    stream.id = id
    this.unopened.delete(stream)
    this.streams.set(id, stream)
    return written
  }

  markDirty(): void {
    this.host.markDirty(this)
  }

  wantWrite(stream: QuicStream): void {
    this.writers.add(stream)
  }

  release(stream: QuicStream): void {
    this.writers.delete(stream)
    this.unopened.delete(stream)
    if (this.lastReader === stream) this.lastReader = undefined
    if (stream.id < 0 || this.streams.get(stream.id) !== stream) return
    this.streams.delete(stream.id)
    if (!this.closed) {
      // A stream that failed may still hold unread bytes; discarding them keeps it off readable().
      try {
        this.native.streamShutdown(stream.id, SHUTDOWN_READ, 0)
      } catch {}
    }
  }

  // ---- driven by the endpoint ----

  /** Feeds one datagram to quiche. */
  receive(packet: Buffer, address: string, port: number): void {
    const info =
      port === this.peer.port && address === this.peer.host
        ? this.recvInfo
        : { from: { host: address, port }, to: this.host.local }
    try {
      this.native.recv(packet, info)
    } catch {
      this.host.countBadPacket()
    }
    this.heard = true
    this.packetsReceived++
    this.host.markDirty(this)
  }

  /** Per-turn work before the send loop: handshake, reads, blocked writes. */
  serviceStreams(): void {
    const native = this.native
    if (!this.established && native.isEstablished()) this.establish()
    if (native.isReadable()) {
      // The stream read last is usually the one with new bytes: draining it first often leaves
      // nothing readable, which spares building quiche's readable() iterator (the dearer call).
      const last = this.lastReader
      if (last !== undefined && !last.isClosed) last.readIn()
      if (native.isReadable()) {
        for (const id of native.readable()) {
          const stream = this.streams.get(id) ?? this.acceptStream(id)
          if (stream === undefined) continue
          stream.readIn()
          this.lastReader = stream
        }
      }
    }
    const writers = this.writers
    if (writers.size > 0) {
      // The set is worked in place and only as far as needed: with a thousand streams queued and
      // the congestion window full, copying or re-adding every entry on every turn costs more
      // than the writes. A blocked stream goes to the back; one a drain handler re-queues is
      // added back by that handler. Counting down from the starting size bounds the loop.
      let left = writers.size
      // Several streams in a row left blocked means the connection (congestion window) is out
      // of room: the rest wait for the next turn instead of each costing a futile streamSend.
      let blocked = 0
      for (const stream of writers) {
        if (left-- === 0 || blocked >= BLOCKED_STREAMS_BEFORE_STOP) break
        writers.delete(stream)
        if (stream.pump()) {
          writers.add(stream)
          blocked++
        } else blocked = 0
      }
    }
  }

  /** Per-turn work after the send loop: notice the end of the connection, re-arm the timer. */
  settle(): void {
    const native = this.native
    // After our CONNECTION_CLOSE is out there is nothing left to do: skipping quiche's closing
    // period frees the connection at once (and some quiche states repeat the close endlessly).
    if (this.closing || native.isClosed() || native.isDraining()) {
      this.finish()
      return
    }
    const now = performance.now()
    if (this.lingerStream >= 0 && (now >= this.lingerUntil || this.isRetired(this.lingerStream))) {
      this.lingerStream = -1
      this.close(0, '')
      return
    }
    if (this.heard) {
      this.heard = false
      this.lastHeardAt = now
    }
    const quicheMs = native.timeout()
    let waitMs = quicheMs === null ? Number.POSITIVE_INFINITY : quicheMs
    const pingMs = this.pingAfterMs()
    if (pingMs > 0 && this.established && pingMs < waitMs) waitMs = pingMs
    if (this.lingerStream >= 0 && this.lingerUntil - now < waitMs) waitMs = this.lingerUntil - now
    if (waitMs === Number.POSITIVE_INFINITY) {
      this.clearTimer()
      return
    }
    const deadline = now + waitMs
    // An earlier timer is kept: firing early is harmless (onTimeout checks the clock), and
    // re-creating a timer on every turn would cost more than the odd spare wake-up.
    if (this.timer !== undefined && this.timerDeadline <= deadline) return
    this.clearTimer()
    this.timerDeadline = deadline
    this.timer = setTimeout(this.timerCallback, Math.max(0, Math.ceil(waitMs)))
  }

  private onTimer(): void {
    this.timer = undefined
    this.timerDeadline = Number.POSITIVE_INFINITY
    if (this.closed) return
    this.native.onTimeout()
    if (
      this.pingAfterMs() > 0 &&
      this.established &&
      performance.now() - this.lastHeardAt >= this.pingAfterMs() &&
      !this.native.isDraining()
    ) {
      this.native.sendAckEliciting()
    }
    this.host.markDirty(this)
  }

  /** Silence (ms) after which a PING goes out; 0 = never. */
  private pingAfterMs(): number {
    const probe = !this.isServer && this.streamCount > 0 ? LIVENESS_PROBE_MS : 0
    if (this.keepAliveMs <= 0) return probe
    return probe > 0 ? Math.min(probe, this.keepAliveMs) : this.keepAliveMs
  }

  /** True once quiche has collected a stream (all data read and all sent data acknowledged). */
  private isRetired(id: number): boolean {
    try {
      this.native.streamCapacity(id)
      return false
    } catch (error) {
      return (error as Error).message.includes('InvalidStreamState')
    }
  }

  private establish(): void {
    this.established = true
    if (!this.isServer) {
      const chain = this.native.peerCertChain()
      const leaf = chain?.[0]
      this.peerFingerprint = leaf === undefined ? '' : fingerprintOfDer(leaf)
    }
    const handlers = this.establishedHandlers.splice(0)
    for (const handler of handlers) handler()
  }

  private acceptStream(id: number): QuicStream | undefined {
    const peerInitiated = (id & 1) === (this.isServer ? 0 : 1)
    if (!peerInitiated || (id & 2) !== 0 || this.streamHandler === undefined) {
      try {
        this.native.streamShutdown(id, SHUTDOWN_READ, 0)
      } catch {}
      return undefined
    }
    const stream = new QuicStream(this, id)
    this.streams.set(id, stream)
    this.streamHandler(stream)
    return stream.isClosed ? undefined : stream
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.timerDeadline = Number.POSITIVE_INFINITY
  }

  private finish(error?: Error): void {
    if (this.closed) return
    this.closed = true
    this.clearTimer()
    this.closeError = error ?? this.closeReason()
    this.host.forget(this)
    const open = [...this.streams.values(), ...this.unopened]
    this.streams.clear()
    this.unopened.clear()
    this.writers.clear()
    this.lastReader = undefined
    for (const stream of open) stream.abort(this.closeError)
    const handlers = this.closeHandlers.splice(0)
    for (const handler of handlers) handler(this.closeError)
  }

  /**
   * Why quiche ended the connection, with the kind TCP gives for the same failure: before the
   * handshake a peer's refusal is connect_refused and any other close handshake_failed; after
   * it, an abortive close by the peer (application code != 0, or a transport error) or the
   * idle timeout is a reset, like a TCP RST or a cut path. A clean close (code 0) is no error.
   */
  private closeReason(): RunError | undefined {
    const native = this.native
    const before = !this.established
    const peer = native.peerError()
    if (peer !== null && peer.errorCode !== 0) {
      const kind: ErrorKind = before
        ? !peer.isApp && peer.errorCode === CONNECTION_REFUSED
          ? 'connect_refused'
          : 'handshake_failed'
        : 'reset'
      return this.describe(kind, 'closed by the peer', peer)
    }
    if (native.isTimedOut()) {
      return before
        ? new RunError(
            'connect_timeout',
            `QUIC connect to ${this.remote} timed out (no answer within the idle timeout)`,
          )
        : new RunError(
            'reset',
            `QUIC connection to ${this.remote} timed out (no packet within the idle timeout)`,
          )
    }
    const local = native.localError()
    if (local !== null && local.errorCode !== 0) {
      // Our own transport error means quiche caught the peer breaking QUIC; an application
      // code is a close this side asked for, which its caller already accounts for.
      const kind: ErrorKind = before
        ? 'handshake_failed'
        : local.isApp
          ? 'connection_closed'
          : 'protocol_error'
      return this.describe(kind, 'closed locally', local)
    }
    return undefined
  }

  private describe(kind: ErrorKind, what: string, error: ConnectionError): RunError {
    const reason = Buffer.from(error.reason).toString('utf8')
    const layer = error.isApp ? 'application' : 'transport'
    return new RunError(
      kind,
      `QUIC connection to ${this.remote} ${what} with ${layer} error ${error.errorCode}${reason ? `: ${reason}` : ''}`,
    )
  }
}
