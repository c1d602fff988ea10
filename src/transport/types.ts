/** Which transport a fabric node speaks. */
export type TransportKind = 'tcp' | 'quic'

/**
 * One connection between a client and a fabric node, seen as an ordered byte pipe.
 * The fabric protocol multiplexes its logical channels over it; a transport only moves bytes.
 */
export interface Link {
  /** 'host:port' of the other end, for logs and errors. */
  readonly remote: string
  /** Queue bytes; returns false when the caller should wait for onDrain before sending more. */
  send(chunk: Uint8Array): boolean
  /** Called with every chunk of bytes received, in order. Set once, before bytes can arrive. */
  onData(handler: (chunk: Buffer) => void): void
  /** Called when a send that returned false may be retried. */
  onDrain(handler: () => void): void
  /** Called once when the link is gone, with the error if it did not end cleanly. */
  onClose(handler: (error?: Error) => void): void
  /** Graceful close: flush what is queued, then close. */
  end(): void
  /** Abrupt close: drop everything, no goodbye to the peer. */
  destroy(): void
}

/** A bound server endpoint of a transport. */
export interface Listener {
  readonly host: string
  readonly port: number
  /** Transport-level counters (packets, handshakes, ...), plain numbers. */
  stats(): Record<string, number>
  /** Stop accepting and close every link gracefully. */
  close(): Promise<void>
  /** Drop every link and the socket at once, as a crash would. */
  kill(): Promise<void>
}

export interface ListenOptions {
  host: string
  port: number
  /** Transport-specific settings (TLS material for QUIC). */
  [key: string]: unknown
}

export interface ConnectOptions {
  host: string
  port: number
  /** Give up when the connection is not up within this many ms. */
  timeoutMs: number
  [key: string]: unknown
}

/** A transport: how fabric nodes listen and how load clients connect. */
export interface Transport {
  readonly kind: TransportKind
  listen(options: ListenOptions, onLink: (link: Link) => void): Promise<Listener>
  connect(options: ConnectOptions): Promise<Link>
  /** Release client-side resources shared by connections (sockets, timers). */
  close?(): Promise<void>
}
