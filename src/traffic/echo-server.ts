// ctraffic's echo server: every byte comes back, and the first 64 bytes of each TCP connection
// (every UDP datagram) carry the server's host name, NUL-padded, so a client can tell which
// backend served it. stop/kill/restart behave as a fabric node's do.
import dgram from 'node:dgram'
import net from 'node:net'
import os from 'node:os'
import { formatUrl, parseHost } from '../address.js'
import { FieldError, rejectUnknownKeys } from '../errors/field-error.js'
import { defaultEventBus, type EventBus } from '../run/events.js'

/** Accept queue asked of the kernel (Node's default of 511 drops SYNs when 10,000 clients dial at once). */
const LISTEN_BACKLOG = 65_535

/** Bytes of the first reply that carry the host name (ctraffic's minimum packet size). */
export const HOST_STAMP_BYTES = 64

/** Options of startEchoServer(). */
export interface EchoServerOptions {
  /** 'tcp' (default) or 'udp'. */
  transport?: 'tcp' | 'udp'
  /** Address to listen on; default 127.0.0.1. */
  host?: string
  /** Port; default 0 (a free one). */
  port?: number
  /** Name stamped into the first reply; default the machine's host name. */
  name?: string
  /** Where the server publishes echo.start, echo.stop, echo.kill and echo.restart. */
  events?: EventBus
}

/** A running echo server. */
export interface EchoServer {
  /** 'tcp://HOST:PORT' or 'udp://HOST:PORT'. */
  readonly url: string
  readonly host: string
  readonly port: number
  readonly transport: 'tcp' | 'udp'
  /** The name stamped into first replies. */
  readonly name: string
  /** True between start (or restart) and stop or kill. */
  readonly running: boolean
  /** Connections open now (TCP). */
  readonly connections: number
  /** Graceful stop: each connection ends with a FIN, then the listener closes. */
  stop(): Promise<void>
  /** Abrupt stop, as a crash: every connection is reset. */
  kill(): Promise<void>
  /** Listen again on the same port after stop or kill. */
  restart(): Promise<void>
  /** Same as stop(); safe to call more than once. */
  close(): Promise<void>
}

const OPTION_KEYS = Object.keys({
  transport: true,
  host: true,
  port: true,
  name: true,
  events: true,
} satisfies Record<keyof EchoServerOptions, true>)

/** The name bytes stamped over the start of a reply (at most HOST_STAMP_BYTES). */
function stampOf(name: string): Buffer {
  return Buffer.from(name, 'utf8').subarray(0, HOST_STAMP_BYTES)
}

/** One TCP connection: stamp the first 64 bytes, then echo everything. */
function echoTcp(socket: net.Socket, stamp: Buffer): void {
  socket.setNoDelay(true)
  let head = 0
  socket.on('data', (chunk: Buffer) => {
    if (head < HOST_STAMP_BYTES) {
      // Overwrite the bytes of the first 64 that this chunk holds with the name (or NUL past it).
      const n = Math.min(chunk.length, HOST_STAMP_BYTES - head)
      for (let i = 0; i < n; i++) chunk[i] = stamp[head + i] ?? chunk[i]!
      head += n
    }
    socket.write(chunk)
  })
  socket.on('error', () => socket.destroy())
  socket.on('end', () => socket.end())
}

function checkOptions(options: EchoServerOptions): Required<Omit<EchoServerOptions, 'events'>> {
  if (typeof options !== 'object' || options === null) {
    throw new FieldError('echo server options', options, 'an object')
  }
  rejectUnknownKeys(options, OPTION_KEYS, 'echo server options', FieldError)
  const transport = options.transport ?? 'tcp'
  if (transport !== 'tcp' && transport !== 'udp') {
    throw new FieldError('transport', transport, "'tcp' or 'udp'")
  }
  const host = parseHost(options.host ?? '127.0.0.1', 'host', { ErrorClass: FieldError })
  const port = options.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new FieldError('port', port, 'an integer from 0 to 65535')
  }
  const name = options.name ?? os.hostname()
  if (typeof name !== 'string' || name.length === 0 || name.includes('\0')) {
    throw new FieldError('name', name, 'a non-empty string without NUL bytes')
  }
  return { transport, host, port, name }
}

/** Start ctraffic's echo server over TCP or UDP. */
export async function startEchoServer(options: EchoServerOptions = {}): Promise<EchoServer> {
  const { transport, host, name, port: wanted } = checkOptions(options)
  const events = options.events ?? defaultEventBus
  const stamp = stampOf(name)
  const sockets = new Set<net.Socket>()
  let tcp: net.Server | undefined
  let udp: dgram.Socket | undefined
  let port = wanted
  let running = false
  let source = ''

  const listen = async () => {
    if (transport === 'tcp') {
      const server = net.createServer((socket) => {
        sockets.add(socket)
        socket.on('close', () => sockets.delete(socket))
        echoTcp(socket, stamp)
      })
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        // A deep accept queue: thousands of clients dial at once (the kernel caps it at somaxconn).
        server.listen({ host, port, exclusive: true, backlog: LISTEN_BACKLOG }, () => {
          server.off('error', reject)
          resolve()
        })
      })
      port = (server.address() as net.AddressInfo).port
      tcp = server
    } else {
      const socket = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' })
      socket.on('message', (message, peer) => {
        stamp.copy(message, 0, 0, Math.min(stamp.length, message.length))
        socket.send(message, peer.port, peer.address)
      })
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject)
        socket.bind({ address: host, port, exclusive: true }, () => {
          socket.off('error', reject)
          resolve()
        })
      })
      socket.on('error', () => undefined)
      port = socket.address().port
      udp = socket
    }
    running = true
    source = `echo ${formatUrl(transport, host, port)}`
  }

  const shut = async (abrupt: boolean) => {
    if (!running) return
    running = false
    events.emit({ source, type: abrupt ? 'echo.kill' : 'echo.stop' })
    if (udp) {
      const socket = udp
      udp = undefined
      await new Promise<void>((resolve) => socket.close(() => resolve()))
    }
    if (tcp) {
      const server = tcp
      tcp = undefined
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const socket of sockets) {
        if (abrupt) socket.resetAndDestroy()
        else socket.end()
      }
      // A peer that never closes its half must not hold the stop up.
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy()
      }, 1000)
      await closed
      clearTimeout(timer)
    }
  }

  // stop, kill and restart run one at a time, in the order they were called.
  let queue: Promise<void> = Promise.resolve()
  const serial = (step: () => Promise<void>) => {
    const next = queue.then(step)
    queue = next.catch(() => undefined)
    return next
  }

  await listen()
  events.emit({ source, type: 'echo.start', name })
  const stop = () => serial(() => shut(false))
  return {
    get url() {
      return formatUrl(transport, host, port)
    },
    host,
    get port() {
      return port
    },
    transport,
    name,
    get running() {
      return running
    },
    get connections() {
      return sockets.size
    },
    stop,
    kill: () => serial(() => shut(true)),
    restart: () =>
      serial(async () => {
        if (running) return
        await listen()
        events.emit({ source, type: 'echo.restart' })
      }),
    close: stop,
  }
}
