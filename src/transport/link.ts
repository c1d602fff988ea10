// What every transport shares: the kinds, the byte pipe a connection is, the listener a node
// binds. A leaf module: transports import it, and the registry's option table imports them.
/** The transports, by URL scheme: 'tcp://host:port', 'quic://host:port'. */
export const TRANSPORT_KINDS = ['tcp', 'quic'] as const

/** Which transport a fabric node speaks; also the scheme of its URL. */
export type TransportKind = (typeof TRANSPORT_KINDS)[number]

/** Smallest and largest UDP payload a QUIC path may be limited to (QUIC needs 1200 bytes). */
export const DATAGRAM_SIZE_RANGE = { min: 1200, max: 20_480 } as const

/** True when `scheme` names a transport. */
export function isTransportKind(scheme: unknown): scheme is TransportKind {
  return (TRANSPORT_KINDS as readonly unknown[]).includes(scheme)
}

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

/** Where a listener binds; every transport takes these. */
export interface BaseListenOptions {
  host: string
  /** 0 picks a free port. */
  port: number
}

/** Where a client connects and how long it waits; every transport takes these. */
export interface BaseConnectOptions {
  host: string
  port: number
  /** Give up when the connection is not up within this many ms. */
  timeoutMs: number
}
