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

/** The transport for a kind (a URL scheme); rejects naming the value when there is no such transport. */
export async function transportFor<K extends TransportKind>(kind: K): Promise<Transport<K>> {
  if (!Object.hasOwn(registry, kind)) {
    throw new FieldError('transport', kind, TRANSPORT_KINDS.map((k) => `'${k}'`).join(' or '))
  }
  return registry[kind]()
}
