import type { BaseConnectOptions, BaseListenOptions, Link, Listener, TransportKind } from './link.js'
import type { QuicConnectOptions } from './quic/client.js'
import type { QuicListener, QuicListenOptions } from './quic/listener.js'

export * from './link.js'

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
