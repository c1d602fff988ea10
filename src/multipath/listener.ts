// The server end: one TCP listener per path, and the map from connection ID to connection that
// subflows join. An entry goes when its connection closes, fails or idles out.
import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { formatHostPort, formatUrl } from '../address.js'
import type { ConnectionSettings } from './connection.js'
import { MultipathConnection } from './connection.js'
import { encodeLead } from './frames.js'
import { HANDSHAKE_TIMEOUT_MS, readLead } from './handshake.js'

/** Where one path listens. */
export interface PathListen {
  host: string
  port: number
}

/** A bound multipath listener. */
export interface MultipathListener {
  /** 'tcp://host:port' of each path, in path order. */
  readonly urls: readonly string[]
  /** Entries in the connection-ID map: connections a subflow may still join. */
  cidEntries(): number
  /** Counters: connections accepted, subflows accepted, handshakes refused. */
  stats(): { connections: number; subflows: number; refusedSubflows: number; activeConnections: number }
  /** Stop accepting and end every connection. */
  close(): Promise<void>
  /** Drop every subflow and the sockets at once, as a crash would. */
  kill(): Promise<void>
}

/** Listen on every path; `onConnection` gets each new multipath connection. */
export async function listenMultipath(
  paths: readonly PathListen[],
  settings: ConnectionSettings,
  onConnection: (connection: MultipathConnection) => void,
): Promise<MultipathListener> {
  const connections = new Map<string, MultipathConnection>()
  const sockets = new Set<net.Socket>()
  const counters = { connections: 0, subflows: 0, refusedSubflows: 0 }
  const servers: net.Server[] = []
  const urls: string[] = []
  const labels: string[] = []
  const accept = (pathIndex: number, socket: net.Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    const where = formatHostPort(socket.remoteAddress ?? '', socket.remotePort ?? 0)
    readLead(socket, HANDSHAKE_TIMEOUT_MS, where).then(
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
          socket.write(encodeLead(assigned))
          connection.attach(pathIndex, socket, leftover)
          onConnection(connection)
          return
        }
        connection = connections.get(key)
        if (!connection || connection.destroyed) {
          // An unknown CID (forgotten or never given): the client must start a new connection.
          counters.refusedSubflows++
          socket.destroy()
          return
        }
        counters.subflows++
        socket.write(encodeLead(cid))
        connection.attach(pathIndex, socket, leftover)
      },
      () => {
        counters.refusedSubflows++
      },
    )
  }
  try {
    for (const [i, path] of paths.entries()) {
      const server = net.createServer({ noDelay: true }, (socket) => accept(i, socket))
      servers.push(server)
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen({ host: path.host, port: path.port, exclusive: true }, () => {
          server.off('error', reject)
          resolve()
        })
      })
      const port = (server.address() as net.AddressInfo).port
      urls.push(formatUrl('tcp', path.host, port))
      labels.push(`path${i} ${formatHostPort(path.host, port)}`)
    }
  } catch (error) {
    // Nothing half-started: the listeners already bound are closed again.
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
    throw error
  }
  const shut = async (abrupt: boolean) => {
    const closed = Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
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
    for (const socket of sockets) socket.destroy()
    connections.clear()
    await closed
  }
  return {
    urls,
    cidEntries: () => connections.size,
    stats: () => ({ ...counters, activeConnections: connections.size }),
    close: () => shut(false),
    kill: () => shut(true),
  }
}
