import type { Transport } from '../types.js'
import { closeClients, connectQuic } from './client.js'
import { QuicLink } from './link.js'
import { listenQuic } from './listener.js'

export { generateCertificate, type QuicCertificate } from './certificate.js'
export { closeClients, connectQuic, type QuicConnectOptions } from './client.js'
export { ALPN } from './config.js'
export type { QuicConnection } from './connection.js'
export type { EndpointStats } from './endpoint.js'
export { listenQuic, type QuicListener, type QuicListenOptions } from './listener.js'
export type { QuicStream } from './stream.js'

/** The Transport contract for QUIC: listen() returns the QUIC listener (certificate fingerprint included). */
export type QuicTransport = Transport<'quic'>

/**
 * The QUIC transport: every link is the first bidirectional stream of its own QUIC connection,
 * driven directly over quiche's native binding. Clients may pin the node's certificate with
 * `fingerprint` in the connect options; listeners take `key`/`cert` (PEM) or generate their own.
 */
export const quicTransport: QuicTransport = {
  kind: 'quic',
  listen: (options, onLink) => listenQuic(options, (conn) => QuicLink.accept(conn, onLink)),
  connect: async (options) => QuicLink.open(await connectQuic(options)),
  close: closeClients,
}
