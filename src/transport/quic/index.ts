import type { ConnectOptions, Link, ListenOptions, Transport } from '../types.js'
import { closeClients, connectQuic } from './client.js'
import { QuicLink } from './link.js'
import { listenQuic, type QuicListener, type QuicListenOptions } from './listener.js'

export { generateCertificate, type QuicCertificate } from './certificate.js'
export { closeClients, connectQuic, type QuicConnectOptions } from './client.js'
export { ALPN } from './config.js'
export type { QuicConnection } from './connection.js'
export type { EndpointStats } from './endpoint.js'
export { listenQuic, type QuicListener, type QuicListenOptions } from './listener.js'
export type { QuicStream } from './stream.js'

/**
 * The QUIC transport: every link is the first bidirectional stream of its own QUIC connection,
 * driven directly over quiche's native binding. Clients may pin the node's certificate with
 * `fingerprint` in the connect options; listeners take `key`/`cert` (PEM) or generate their own.
 */
/** The Transport contract, with listen() returning the QUIC listener (certificate fingerprint included). */
export interface QuicTransport extends Transport {
  listen(options: ListenOptions, onLink: (link: Link) => void): Promise<QuicListener>
}

export const quicTransport: QuicTransport = {
  kind: 'quic',
  listen(options: ListenOptions, onLink: (link: Link) => void): Promise<QuicListener> {
    return listenQuic(options as unknown as QuicListenOptions, (conn) => QuicLink.accept(conn, onLink))
  },
  async connect(options: ConnectOptions): Promise<Link> {
    const conn = await connectQuic({
      host: options.host,
      port: options.port,
      timeoutMs: options.timeoutMs,
      fingerprint: options.fingerprint as string | undefined,
      idleTimeoutMs: options.idleTimeoutMs as number | undefined,
      maxPacketSize: options.maxPacketSize as number | undefined,
    })
    return QuicLink.open(conn)
  },
  close: closeClients,
}
