import type { QuicConnectOptions } from './quic/client.js'
import type { QuicListener, QuicListenOptions } from './quic/listener.js'

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

/**
 * Each transport's own options, listener and scheme. Adding a transport means one entry here and
 * one in the registry (src/transport/index.ts); its options are then checked at compile time.
 */
export interface TransportOptions {
  tcp: { listen: BaseListenOptions; connect: BaseConnectOptions; listener: Listener }
  quic: { listen: QuicListenOptions; connect: QuicConnectOptions; listener: QuicListener }
}

/** Listen options of transport K (of any transport when K is the union). */
export type ListenOptions<K extends TransportKind = TransportKind> = TransportOptions[K]['listen']

/** Connect options of transport K (of any transport when K is the union). */
export type ConnectOptions<K extends TransportKind = TransportKind> = TransportOptions[K]['connect']

/** The listener transport K returns. */
export type ListenerOf<K extends TransportKind = TransportKind> = TransportOptions[K]['listener']

/** A transport: how fabric nodes listen and how load clients connect. */
export interface Transport<K extends TransportKind = TransportKind> {
  readonly kind: K
  /** Binds a listener; onLink gets every connection that is up. Rejects, with nothing left open, on bad options. */
  listen(options: ListenOptions<K>, onLink: (link: Link) => void): Promise<ListenerOf<K>>
  /** Opens a link; rejects with a RunError whose kind says why and whose message names host:port. */
  connect(options: ConnectOptions<K>): Promise<Link>
  /** Release client-side resources shared by connections (sockets, timers). */
  close?(): Promise<void>
}
