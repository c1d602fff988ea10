import net from 'node:net'
import { formatHostPort } from '../../address.js'
import { classifyError, RunError } from '../../errors/kinds.js'
import type { ConnectOptions, Link, Listener, ListenOptions, Transport } from '../types.js'
import { resetSocket } from './reset.js'

// A window of inflightFrames 64 KiB frames must fit before send() asks the sender to wait;
// at the 16 KiB default every frame waited for a drain, one frame per event-loop turn.
const WRITE_HIGH_WATER_MARK = 4 * 1024 * 1024

/** Wrap a connected net.Socket as a Link; `remote` is the address dialled, when this side dialled it. */
function socketLink(
  socket: net.Socket,
  remote = formatHostPort(socket.remoteAddress ?? '', socket.remotePort ?? 0),
): Link {
  socket.setNoDelay(true)
  let closeHandler: ((error?: Error) => void) | undefined
  let failure: Error | undefined
  let closed = false
  socket.on('error', (error) => {
    failure = linkFailure(remote, error)
  })
  socket.on('close', () => {
    closed = true
    closeHandler?.(failure)
  })
  // Frames written in one event-loop turn leave in one syscall: cork on the first write,
  // uncork once the turn's I/O callbacks are done. libuv delivers several reads per turn, so a
  // node's ACKs for all of them share one writev instead of one syscall each.
  let corked = false
  const uncork = () => {
    corked = false
    socket.uncork()
  }
  return {
    remote,
    send: (chunk) => {
      if (!corked) {
        corked = true
        socket.cork()
        setImmediate(uncork)
      }
      return socket.write(chunk)
    },
    onData: (handler) => void socket.on('data', handler),
    onDrain: (handler) => void socket.on('drain', handler),
    onClose: (handler) => {
      closeHandler = handler
      if (closed) handler(failure)
    },
    end: () => void socket.end(),
    destroy: () => resetSocket(socket),
  }
}

/** A socket error on an established link as a RunError naming the peer ('reset' for ECONNRESET/EPIPE). */
function linkFailure(remote: string, error: Error): RunError {
  const kind = classifyError(error)
  const what = kind === 'reset' ? 'was reset' : 'failed'
  return new RunError(kind, `TCP connection to ${remote} ${what}: ${error.message}`, { cause: error })
}

/** A failed connect as a RunError: the same kinds QUIC gives for the same failure, and host:port. */
function connectFailure(address: string, error: Error): RunError {
  const kind = classifyError(error)
  const what =
    kind === 'connect_refused'
      ? 'refused'
      : kind === 'address_unresolved'
        ? 'failed: the host name did not resolve'
        : 'failed'
  return new RunError(kind, `TCP connect to ${address} ${what} (${error.message})`, { cause: error })
}

async function listen(options: ListenOptions<'tcp'>, onLink: (link: Link) => void): Promise<Listener> {
  const sockets = new Set<net.Socket>()
  let accepted = 0
  const server = net.createServer({ noDelay: true }, (socket) => {
    accepted++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    onLink(socketLink(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: options.host, port: options.port, exclusive: true }, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as net.AddressInfo
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()))
  return {
    host: options.host,
    port: address.port,
    stats: () => ({ connections: accepted, activeConnections: sockets.size }),
    async close() {
      server.close()
      for (const socket of sockets) socket.end()
      // A peer that never answers our FIN must not hold the node open forever.
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy()
      }, 2000)
      await closed
      clearTimeout(timer)
    },
    async kill() {
      server.close()
      for (const socket of sockets) resetSocket(socket)
      await closed
    },
  }
}

async function connect(options: ConnectOptions<'tcp'>): Promise<Link> {
  const address = formatHostPort(options.host, options.port)
  return new Promise<Link>((resolve, reject) => {
    // writableHighWaterMark reaches the socket's stream options; @types/node omits it here.
    const socket = net.connect({
      host: options.host,
      port: options.port,
      noDelay: true,
      writableHighWaterMark: WRITE_HIGH_WATER_MARK,
    } as net.NetConnectOpts)
    const timer = setTimeout(() => {
      socket.destroy()
      reject(
        new RunError('connect_timeout', `TCP connect to ${address} timed out after ${options.timeoutMs} ms`),
      )
    }, options.timeoutMs)
    socket.once('error', (error) => {
      clearTimeout(timer)
      socket.destroy()
      reject(connectFailure(address, error))
    })
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.removeAllListeners('error')
      // The address dialled: asking the kernel for the peer's name again costs a syscall per connection.
      resolve(socketLink(socket, address))
    })
  })
}

/** The TCP transport: one net.Socket per connection, Nagle off. */
export const tcpTransport: Transport<'tcp'> = { kind: 'tcp', listen, connect }
