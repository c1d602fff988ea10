import { FieldError } from '../errors/field-error.js'
import { tcpTransport } from './tcp/index.js'
import { TRANSPORT_KINDS, type Transport, type TransportKind } from './types.js'

export { ROUTE_MODES, type RouteMode, resolveTarget, type Target, type TargetPath } from './target.js'
export type {
  BaseConnectOptions,
  BaseListenOptions,
  ConnectOptions,
  Link,
  Listener,
  ListenerOf,
  ListenOptions,
  Transport,
  TransportKind,
  TransportOptions,
} from './types.js'
export { isTransportKind, TRANSPORT_KINDS } from './types.js'

// The registry, keyed by URL scheme. QUIC loads lazily so TCP-only users never load the native binding.
const registry: { [K in TransportKind]: () => Promise<Transport<K>> } = {
  tcp: async () => tcpTransport,
  quic: async () => (await import('./quic/index.js')).quicTransport,
}

/** The transports this thread has loaded, so a worker can close their client sockets before it ends. */
const loaded = new Set<Transport>()

/** The transport for a kind (a URL scheme); rejects naming the value when there is no such transport. */
export async function transportFor<K extends TransportKind>(kind: K): Promise<Transport<K>> {
  if (!Object.hasOwn(registry, kind)) {
    throw new FieldError('transport', kind, TRANSPORT_KINDS.map((k) => `'${k}'`).join(' or '))
  }
  const transport = await registry[kind]()
  loaded.add(transport as Transport)
  return transport
}

/**
 * Closes the client side of every transport this thread loaded (QUIC's UDP sockets; TCP has
 * nothing shared). A worker thread ended with a UDP socket open can take the whole process down
 * when a datagram arrives while it is being terminated, so a worker does this before it ends.
 */
export async function closeLoadedTransports(): Promise<void> {
  await Promise.all([...loaded].map((transport) => transport.close?.()))
}
