import { tcpTransport } from './tcp/index.js'
import type { Transport, TransportKind } from './types.js'

export type { ConnectOptions, Link, Listener, ListenOptions, Transport, TransportKind } from './types.js'

/** The transport for a kind; QUIC loads lazily so TCP-only users never touch the native binding. */
export async function transportFor(kind: TransportKind): Promise<Transport> {
  if (kind === 'tcp') return tcpTransport
  const { quicTransport } = await import('./quic/index.js')
  return quicTransport
}
