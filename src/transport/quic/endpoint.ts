import { randomBytes } from 'node:crypto'
import dgram from 'node:dgram'
import { isIP } from 'node:net'
import quiche from '@matrixai/quic/native/quiche.js'
import type { Config, Header, Host } from '@matrixai/quic/native/types.js'
import { formatHostPort } from '../../address.js'
import { RunError } from '../../errors/kinds.js'
import { CID_LENGTH, LOOPBACK_PACKET_SIZE } from './config.js'
import { type ConnectionHost, QuicConnection } from './connection.js'

/** Socket buffers large enough that a burst of a full congestion window is not dropped by the kernel. */
const SOCKET_BUFFER = 4 * 1024 * 1024
/** Packets carved from one slab by an unconnected socket; a slab is never reused, because dgram keeps each buffer until sent. */
const SEND_SLAB = 256 * 1024
/** Most packets one connection may send per turn, so reads get a turn during a long burst. */
const MAX_BURST = 256
/** The largest datagram any connection sends; every packet buffer has room for it. */
const MAX_PACKET_SIZE = LOOPBACK_PACKET_SIZE
const INITIAL = 0
/** RFC 9000 transport error code sent to a client whose handshake is abandoned. */
const CONNECTION_REFUSED = 0x2
/** Longest a closing socket waits for datagrams queued in libuv (e.g. CONNECTION_CLOSE) to leave. */
const SEND_LINGER_MS = 100

/** Counters of one UDP endpoint. */
export type EndpointStats = {
  connections: number
  handshakes: number
  packetsIn: number
  packetsOut: number
  bytesIn: number
  bytesOut: number
  /** Datagrams that failed to parse or that quiche rejected. */
  badPackets: number
  /** Well-formed datagrams for no known connection. */
  droppedPackets: number
  /** Initial packets refused because too many handshakes were pending. */
  refusedInitials: number
  /** Handshakes abandoned at the handshake timeout. */
  handshakeTimeouts: number
  sendErrors: number
}

/** How a listening endpoint accepts connections. */
export interface AcceptPolicy {
  /** The quiche config for a client at this address (its datagram size depends on the path). */
  configFor(address: string): Config
  /** Called when an accepted connection completes its handshake. */
  onConnection(conn: QuicConnection): void
  maxPendingHandshakes: number
  handshakeTimeoutMs: number
}

/** Binding options of an endpoint. */
export interface EndpointOptions {
  host: string
  port: number
  keepAliveMs: number
  accept?: AcceptPolicy
  /** A client socket talking to one node: connecting it spares a route lookup on every send. */
  peer?: Host
}

/**
 * One UDP socket carrying any number of QUIC connections, routed by destination connection id.
 * Datagrams are fed to quiche as they arrive; the send loop runs once per event-loop turn for
 * every connection that changed, so quiche can coalesce ACKs instead of answering each packet.
 */
export class QuicEndpoint implements ConnectionHost {
  readonly local: Host
  readonly connections = new Set<QuicConnection>()
  private readonly routes = new Map<string, QuicConnection>()
  private lastConn: QuicConnection | undefined
  private dirtyList: QuicConnection[] = []
  private flushImmediate: NodeJS.Immediate | undefined
  private slab = Buffer.allocUnsafe(SEND_SLAB)
  private slabOffset = 0
  /** The buffer a connected socket writes each packet into while its sends complete at once. */
  private packet = Buffer.allocUnsafeSlow(MAX_PACKET_SIZE)
  private pendingHandshakes = 0
  private closed = false
  private socketClosed = false
  private readonly connected: boolean
  private accepting: boolean
  private readonly closedPromise: Promise<void>
  /** Called when the last connection is gone (used to release shared client endpoints). */
  onIdle: (() => void) | undefined
  private readonly counters: EndpointStats = {
    connections: 0,
    handshakes: 0,
    packetsIn: 0,
    packetsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    badPackets: 0,
    droppedPackets: 0,
    refusedInitials: 0,
    handshakeTimeouts: 0,
    sendErrors: 0,
  }
  private readonly flushCallback = () => this.flush()

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly options: EndpointOptions,
  ) {
    const address = socket.address()
    this.local = { host: address.address, port: address.port }
    this.accepting = options.accept !== undefined
    this.connected = options.peer !== undefined
    this.closedPromise = new Promise((resolve) => socket.once('close', () => resolve()))
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo.address, rinfo.port))
    // Send failures (ENOBUFS, unreachable peers) are losses QUIC recovers from, never crashes.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.counters.sendErrors++
      // A connected client socket hears ICMP port-unreachable: nothing listens at the node's
      // address any more. Handshakes in flight fail now instead of at their timeout, and
      // established connections are gone for good (the node's state died with its socket), so
      // they end as a TCP connection to a crashed node would: reset, not at the idle timeout.
      if (error.code === 'ECONNREFUSED' && this.connected) {
        for (const conn of [...this.connections]) {
          conn.kill(
            conn.established
              ? new RunError(
                  'reset',
                  `QUIC connection to ${conn.remote} was reset: the node stopped listening (port unreachable)`,
                  { cause: error },
                )
              : new RunError(
                  'connect_refused',
                  `QUIC connect to ${conn.remote} refused: no QUIC node listens there (port unreachable)`,
                  { cause: error },
                ),
          )
        }
      }
    })
  }

  /** Binds a UDP socket; rejects, with nothing left open, when the address cannot be bound. */
  static bind(options: EndpointOptions): Promise<QuicEndpoint> {
    const type = isIP(options.host) === 6 ? 'udp6' : 'udp4'
    const socket = dgram.createSocket({
      type,
      recvBufferSize: SOCKET_BUFFER,
      sendBufferSize: SOCKET_BUFFER,
    })
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => {
        const failure = new Error(
          `QUIC cannot bind UDP ${formatHostPort(options.host, options.port)}: ${error.message}`,
          { cause: error },
        )
        // Settle only once the socket is really gone, so a caller sees nothing left open.
        try {
          socket.close(() => reject(failure))
        } catch {
          reject(failure)
        }
      }
      socket.once('error', onError)
      socket.bind({ address: options.host, port: options.port, exclusive: true }, () => {
        const peer = options.peer
        if (peer === undefined) {
          socket.off('error', onError)
          resolve(new QuicEndpoint(socket, options))
          return
        }
        socket.connect(peer.port, peer.host, () => {
          socket.off('error', onError)
          resolve(new QuicEndpoint(socket, options))
        })
      })
    })
  }

  get isClosed(): boolean {
    return this.closed
  }

  get host(): string {
    return this.local.host
  }

  get port(): number {
    return this.local.port
  }

  /** A snapshot of the counters. */
  stats(): EndpointStats {
    return { ...this.counters, connections: this.connections.size }
  }

  /** Starts a client connection over this socket. */
  connect(peer: Host, config: Config, serverName: string | null): QuicConnection {
    if (this.closed) throw new Error(`QUIC endpoint ${this.local.host}:${this.local.port} is closed`)
    const scid = randomBytes(CID_LENGTH)
    const native = quiche.Connection.connect(serverName, scid, this.local, peer, config)
    const conn = new QuicConnection(this, native, scid, false, peer, this.options.keepAliveMs)
    this.route(conn, scid)
    this.connections.add(conn)
    conn.onEstablished(() => this.counters.handshakes++)
    this.markDirty(conn)
    return conn
  }

  // ---- ConnectionHost ----

  markDirty(conn: QuicConnection): void {
    if (!conn.dirty) {
      conn.dirty = true
      this.dirtyList.push(conn)
    }
    if (this.flushImmediate === undefined && !this.closed)
      this.flushImmediate = setImmediate(this.flushCallback)
  }

  countBadPacket(): void {
    this.counters.badPackets++
  }

  forget(conn: QuicConnection): void {
    for (const key of conn.routes) if (this.routes.get(key) === conn) this.routes.delete(key)
    if (this.lastConn === conn) this.lastConn = undefined
    if (!conn.established && conn.isServer) this.pendingHandshakes--
    if (this.connections.delete(conn) && this.connections.size === 0) this.onIdle?.()
  }

  // ---- lifecycle ----

  /** Stops accepting and closes every connection gracefully, waiting up to graceMs for peers to finish. */
  async close(graceMs = 1000): Promise<void> {
    if (this.closed) return this.closedPromise
    this.accepting = false
    this.onIdle = undefined
    for (const conn of this.connections) conn.endStreams()
    await this.waitForConnections(graceMs)
    for (const conn of this.connections) conn.close(0, 'endpoint closing')
    // One more flush puts the CONNECTION_CLOSE frames on the wire before the socket goes.
    this.flush()
    for (const conn of [...this.connections]) conn.kill()
    this.shutdownSocket(true)
    return this.closedPromise
  }

  /** Drops every connection and the socket at once, without a packet to any peer. */
  kill(): Promise<void> {
    if (this.closed) return this.closedPromise
    this.accepting = false
    this.shutdownSocket()
    for (const conn of [...this.connections])
      conn.kill(new RunError('aborted', `QUIC endpoint ${this.describeLocal()} was killed`))
    return this.closedPromise
  }

  /** Closes the socket of an endpoint whose connections are all gone, once its last datagrams are out. */
  retire(): Promise<void> {
    if (this.closed) return this.closedPromise
    this.accepting = false
    for (const conn of [...this.connections])
      conn.kill(new RunError('aborted', `QUIC endpoint ${this.describeLocal()} was closed`))
    this.shutdownSocket(true)
    return this.closedPromise
  }

  /**
   * Stops all traffic and closes the socket. With afterSends, the close waits until the
   * datagrams already handed over are out: an unconnected dgram socket passes each one to libuv
   * only after a deferred address lookup (and libuv may queue it), so closing at once silently
   * drops the CONNECTION_CLOSE frames just flushed, and peers hang until their idle timeout.
   */
  private shutdownSocket(afterSends = false): void {
    if (this.socketClosed) return
    this.socketClosed = true
    this.closed = true
    if (this.flushImmediate !== undefined) clearImmediate(this.flushImmediate)
    this.flushImmediate = undefined
    this.dirtyList = []
    if (afterSends) this.closeAfterSends(performance.now() + SEND_LINGER_MS)
    else this.socket.close()
  }

  /** Closes the socket once libuv's send queue is empty, or at the deadline. */
  private closeAfterSends(deadline: number): void {
    setImmediate(() => {
      if (this.socket.getSendQueueCount() > 0 && performance.now() < deadline)
        setTimeout(() => this.closeAfterSends(deadline), 1)
      else this.socket.close()
    })
  }

  private waitForConnections(graceMs: number): Promise<void> {
    if (this.connections.size === 0 || graceMs <= 0) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        clearInterval(poll)
        resolve()
      }
      const timer = setTimeout(done, graceMs)
      const poll = setInterval(() => {
        if (this.connections.size === 0) done()
      }, 5)
    })
  }

  private describeLocal(): string {
    return formatHostPort(this.local.host, this.local.port)
  }

  private route(conn: QuicConnection, cid: Uint8Array): void {
    const key = Buffer.from(cid.buffer, cid.byteOffset, cid.byteLength).toString('latin1')
    this.routes.set(key, conn)
    conn.routes.push(key)
  }

  // ---- packet path ----

  private onMessage(msg: Buffer, address: string, port: number): void {
    const counters = this.counters
    counters.packetsIn++
    counters.bytesIn += msg.length
    if (this.closed) return
    if (msg.length === 0) {
      counters.badPackets++
      return
    }
    let conn: QuicConnection | undefined
    if ((msg[0]! & 0x80) === 0) {
      // Short header: our own connection ids are all CID_LENGTH bytes, right after the first byte.
      // Comparing with the last connection used skips the header parser on a busy connection.
      if (msg.length < 1 + CID_LENGTH) {
        counters.badPackets++
        return
      }
      const last = this.lastConn
      if (last !== undefined && msg.compare(last.scid, 0, CID_LENGTH, 1, 1 + CID_LENGTH) === 0) conn = last
      else {
        conn = this.routes.get(msg.toString('latin1', 1, 1 + CID_LENGTH))
        if (conn === undefined) {
          counters.droppedPackets++
          return
        }
        this.lastConn = conn
      }
    } else {
      let header: Header
      try {
        header = quiche.Header.fromSlice(msg, CID_LENGTH)
      } catch {
        counters.badPackets++
        return
      }
      const dcid = header.dcid
      conn = this.routes.get(Buffer.from(dcid.buffer, dcid.byteOffset, dcid.byteLength).toString('latin1'))
      if (conn === undefined) {
        if (header.ty === INITIAL && this.accepting) this.accept(msg, address, port, header)
        else counters.droppedPackets++
        return
      }
    }
    conn.receive(msg, address, port)
  }

  private accept(msg: Buffer, address: string, port: number, header: Header): void {
    const policy = this.options.accept!
    const counters = this.counters
    // RFC 9000 14.1: an Initial in a datagram under 1200 bytes is discarded (no amplification).
    if (msg.length < quiche.MIN_CLIENT_INITIAL_LEN) {
      counters.droppedPackets++
      return
    }
    if (!quiche.versionIsSupported(header.version)) {
      const out = this.carve()
      try {
        const n = quiche.negotiateVersion(header.scid, header.dcid, out)
        this.transmit(out, n, port, address)
      } catch {
        counters.badPackets++
      }
      return
    }
    if (this.pendingHandshakes >= policy.maxPendingHandshakes) {
      counters.refusedInitials++
      return
    }
    const scid = randomBytes(CID_LENGTH)
    const peer = { host: address, port }
    let native: QuicConnection['native']
    try {
      native = quiche.Connection.accept(scid, null, this.local, peer, policy.configFor(address))
      native.recv(msg, { from: peer, to: this.local })
    } catch {
      counters.badPackets++
      return
    }
    // A genuine client Initial always gets an answer; one that gets none was noise, and is
    // dropped here before it costs a connection slot or a timer.
    const out = this.carve()
    let first: ReturnType<typeof native.send>
    try {
      first = native.send(out)
    } catch {
      first = null
    }
    if (first === null) {
      counters.badPackets++
      return
    }
    this.transmit(out, first[0], port, address)
    const conn = new QuicConnection(this, native, scid, true, peer, this.options.keepAliveMs)
    this.route(conn, scid)
    this.route(conn, header.dcid)
    this.connections.add(conn)
    this.pendingHandshakes++
    // The verdict waits for the next poll phase: when the event loop was blocked past the
    // deadline, the timer fires before the socket is read, and the client's last handshake
    // flight may be waiting in the kernel. Killing then would drop a connection the client
    // already counts as established, and it would hang until its idle timeout.
    let timer: NodeJS.Timeout | undefined
    let verdict: NodeJS.Immediate | undefined
    let extended = false
    const judge = () => {
      verdict = undefined
      if (conn.closed || conn.established) return
      if (conn.native.isEstablished()) {
        // Done inside quiche; the flush reports it.
        this.markDirty(conn)
        return
      }
      // A client still talking gets one more period; a flood's spoofed Initials never do.
      if (!extended && conn.packetsReceived > 0) {
        extended = true
        timer = setTimeout(expire, policy.handshakeTimeoutMs)
        return
      }
      counters.handshakeTimeouts++
      this.abandon(
        conn,
        new RunError('connect_timeout', `QUIC handshake from ${conn.remote} did not complete`),
      )
    }
    const expire = () => {
      timer = undefined
      verdict = setImmediate(judge)
    }
    timer = setTimeout(expire, policy.handshakeTimeoutMs)
    const stop = () => {
      if (timer !== undefined) clearTimeout(timer)
      if (verdict !== undefined) clearImmediate(verdict)
      timer = undefined
      verdict = undefined
    }
    conn.onClose(stop)
    conn.onEstablished(() => {
      stop()
      this.pendingHandshakes--
      counters.handshakes++
      policy.onConnection(conn)
    })
    this.markDirty(conn)
  }

  /**
   * Gives up a handshake: the peer gets a CONNECTION_CLOSE (a real client then fails at once
   * instead of at its idle timeout; quiche's anti-amplification limit still applies) and the
   * connection is dropped.
   */
  private abandon(conn: QuicConnection, error: Error): void {
    try {
      conn.native.close(false, CONNECTION_REFUSED, Buffer.from('handshake timeout'))
      conn.closing = true
      this.drain(conn)
    } catch {}
    conn.kill(error)
  }

  /** A packet-sized buffer to write the next packet into. */
  private carve(): Buffer {
    if (this.connected) return this.packet
    if (SEND_SLAB - this.slabOffset < MAX_PACKET_SIZE) {
      this.slab = Buffer.allocUnsafe(SEND_SLAB)
      this.slabOffset = 0
    }
    return this.slab.subarray(this.slabOffset, this.slabOffset + MAX_PACKET_SIZE)
  }

  /** Sends the first n bytes of a buffer from carve(), retiring them from the slab. */
  private transmit(packet: Buffer, n: number, port: number, host: string): void {
    this.counters.packetsOut++
    this.counters.bytesOut += n
    if (this.connected) {
      // A full-sized packet goes as it is: passing offset and length costs dgram another view.
      this.socket.send(n === packet.length ? packet : packet.subarray(0, n))
      // A connected socket hands the datagram to the kernel before send() returns unless libuv
      // had to queue it; only then does dgram keep the buffer, and the next packet needs another.
      if (this.socket.getSendQueueCount() > 0) this.packet = Buffer.allocUnsafeSlow(MAX_PACKET_SIZE)
    } else {
      // An unconnected socket sends after a deferred address lookup, so each packet keeps its
      // own stretch of the slab.
      this.slabOffset += n
      this.socket.send(packet, 0, n, port, host)
    }
  }

  private flush(): void {
    if (this.flushImmediate !== undefined) clearImmediate(this.flushImmediate)
    this.flushImmediate = undefined
    const list = this.dirtyList
    this.dirtyList = []
    for (const conn of list) {
      conn.dirty = false
      if (conn.closed) continue
      conn.serviceStreams()
      if (!conn.closed && this.drain(conn) && !conn.closing) this.markDirty(conn)
      if (!conn.closed) conn.settle()
    }
  }

  /** The send loop for one connection; returns true when the burst limit cut it short. */
  private drain(conn: QuicConnection): boolean {
    if (this.closed) return false
    const native = conn.native
    const { host, port } = conn.peer
    // A closing connection only owes the peer its CONNECTION_CLOSE (one per packet number space).
    for (let budget = conn.closing ? 3 : MAX_BURST; budget > 0; budget--) {
      const out = this.carve()
      let result: ReturnType<typeof native.send>
      try {
        result = native.send(out)
      } catch {
        return false
      }
      if (result === null) return false
      this.transmit(out, result[0], port, host)
    }
    return true
  }
}
