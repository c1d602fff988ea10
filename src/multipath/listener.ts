// The server end: one TCP or QUIC listener per path, and the map from connection ID to connection
// that subflows join. An entry goes when its connection closes, fails or idles out.
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { formatHostPort, formatUrl } from '../address.js'
import { generateCertificate, type QuicCertificate } from '../transport/quic/certificate.js'
import type { QuicConnection } from '../transport/quic/connection.js'
import { listenQuic, type QuicListener } from '../transport/quic/listener.js'
import type { ConnectionSettings } from './connection.js'
import { MultipathConnection } from './connection.js'
import { encodeLead } from './frames.js'
import { HANDSHAKE_TIMEOUT_MS, readLead } from './handshake.js'
import { quicWire, type SubflowWire, tcpWire } from './wire.js'

/** Where one path listens, and on what (default TCP). */
export interface PathListen {
  host: string
  port: number
  transport?: 'tcp' | 'quic'
}

/** A bound multipath listener. */
export interface MultipathListener {
  /** 'tcp://host:port' or 'quic://host:port' of each path, in path order. */
  readonly urls: readonly string[]
  /** SHA-256 (hex) of the certificate every QUIC path presents; undefined with no QUIC path. */
  readonly fingerprint: string | undefined
  /** Entries in the connection-ID map: connections a subflow may still join. */
  cidEntries(): number
  /** Counters: connections accepted, subflows accepted, handshakes refused. */
  stats(): { connections: number; subflows: number; refusedSubflows: number; activeConnections: number }
  /** Stop accepting and end every connection. */
  close(): Promise<void>
  /** Drop every subflow and the sockets at once, as a crash would. */
  kill(): Promise<void>
}

/** One bound path: how to stop it gently or at once. */
interface BoundPath {
  url: string
  label: string
  close(): Promise<void>
  kill(): Promise<void>
}

async function listenTcp(
  path: PathListen,
  onWire: (wire: SubflowWire, where: string) => void,
): Promise<BoundPath> {
  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => {})
    onWire(tcpWire(socket), formatHostPort(socket.remoteAddress ?? '', socket.remotePort ?? 0))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: path.host, port: path.port, exclusive: true }, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as net.AddressInfo).port
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()))
  return {
    url: formatUrl('tcp', path.host, port),
    label: formatHostPort(path.host, port),
    close,
    kill: close,
  }
}

async function listenQuicPath(
  path: PathListen,
  identity: QuicCertificate,
  onWire: (wire: SubflowWire, where: string) => void,
): Promise<BoundPath> {
  const accept = (conn: QuicConnection) => {
    // A connection must open its one stream and lead within the handshake deadline.
    const timer = setTimeout(() => conn.close(1, 'no subflow stream'), HANDSHAKE_TIMEOUT_MS)
    conn.onClose(() => clearTimeout(timer))
    let opened = false
    conn.onStream((stream) => {
      if (opened) {
        // A subflow is one stream on its own connection: anything else is not the protocol.
        stream.destroy()
        return
      }
      opened = true
      clearTimeout(timer)
      onWire(quicWire(conn, stream), conn.remote)
    })
  }
  const listener: QuicListener = await listenQuic(
    {
      host: path.host,
      port: path.port,
      key: identity.key,
      cert: identity.cert,
      handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
    },
    accept,
  )
  return {
    url: formatUrl('quic', path.host, listener.port),
    label: `quic ${formatHostPort(path.host, listener.port)}`,
    close: () => listener.close(),
    kill: () => listener.kill(),
  }
}

/** Listen on every path; `onConnection` gets each new multipath connection. */
export async function listenMultipath(
  paths: readonly PathListen[],
  settings: ConnectionSettings,
  onConnection: (connection: MultipathConnection) => void,
  identity?: QuicCertificate,
): Promise<MultipathListener> {
  const connections = new Map<string, MultipathConnection>()
  const wires = new Set<SubflowWire>()
  const counters = { connections: 0, subflows: 0, refusedSubflows: 0 }
  const bound: BoundPath[] = []
  const labels: string[] = []
  const accept = (pathIndex: number, wire: SubflowWire, where: string) => {
    wires.add(wire)
    wire.whenGone(() => wires.delete(wire))
    readLead(wire, HANDSHAKE_TIMEOUT_MS, where).then(
      ({ cid, leftover }) => {
        const key = Buffer.from(cid).toString('hex')
        let connection: MultipathConnection | undefined
        if (cid.every((b) => b === 0)) {
          const assigned = randomBytes(16)
          connection = new MultipathConnection(assigned, labels, settings, undefined)
          const entry = connection.cid
          connections.set(entry, connection)
          counters.connections++
          connection.once('close', () => connections.delete(entry))
          wire.write(encodeLead(assigned))
          connection.attach(pathIndex, wire, leftover)
          onConnection(connection)
          return
        }
        connection = connections.get(key)
        if (!connection || connection.destroyed) {
          // An unknown CID (forgotten or never given): the client must start a new connection.
          counters.refusedSubflows++
          wires.delete(wire)
          wire.destroy()
          return
        }
        counters.subflows++
        wire.write(encodeLead(cid))
        connection.attach(pathIndex, wire, leftover)
      },
      () => {
        wires.delete(wire)
        counters.refusedSubflows++
      },
    )
  }
  const needsCertificate = paths.some((p) => p.transport === 'quic')
  const certificate = needsCertificate ? (identity ?? generateCertificate()) : undefined
  try {
    for (const [i, path] of paths.entries()) {
      const onWire = (wire: SubflowWire, where: string) => accept(i, wire, where)
      const one =
        path.transport === 'quic' && certificate
          ? await listenQuicPath(path, certificate, onWire)
          : await listenTcp(path, onWire)
      bound.push(one)
      labels.push(`path${i} ${one.label}`)
    }
  } catch (error) {
    // Nothing half-started: the listeners already bound are closed again.
    await Promise.all(bound.map((b) => b.kill()))
    throw error
  }
  const shut = async (abrupt: boolean) => {
    // TCP servers stop accepting at once; QUIC listeners close after the connections ended,
    // since closing one ends the QUIC connections the subflows run on.
    const tcpClosed = Promise.all(bound.filter((b) => b.url.startsWith('tcp:')).map((b) => b.close()))
    for (const connection of connections.values()) {
      if (abrupt) connection.destroy()
      else connection.end()
    }
    if (!abrupt) {
      // Connections get a moment to end in order; whatever is left is dropped.
      const deadline = setTimeout(() => {
        for (const connection of connections.values()) connection.destroy()
      }, 1000)
      await Promise.all([...connections.values()].map((c) => new Promise((r) => c.once('close', r))))
      clearTimeout(deadline)
    }
    for (const wire of wires) wire.destroy()
    wires.clear()
    connections.clear()
    const quic = bound.filter((b) => b.url.startsWith('quic:'))
    await Promise.all([tcpClosed, ...quic.map((b) => (abrupt ? b.kill() : b.close()))])
  }
  return {
    urls: bound.map((b) => b.url),
    fingerprint: certificate?.fingerprint,
    cidEntries: () => connections.size,
    stats: () => ({ ...counters, activeConnections: connections.size }),
    close: () => shut(false),
    kill: () => shut(true),
  }
}
