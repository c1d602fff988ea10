// A round-robin front for echo servers, as a Kubernetes service spreads connections over its pods:
// each new TCP connection (each new UDP flow) goes to the next running backend; when a backend
// dies, the connections it served are reset, and new ones go to the others.
import dgram from 'node:dgram'
import net from 'node:net'
import { formatUrl, parseHost } from '../address.js'
import { FieldError, rejectUnknownKeys } from '../errors/field-error.js'
import { defaultEventBus, type EventBus } from '../run/events.js'
import type { EchoServer } from './echo-server.js'

/** Options of an echo front. */
export interface EchoFrontOptions {
  host?: string
  port?: number
  events?: EventBus
}

/** A running round-robin front. */
export interface EchoFront {
  /** 'tcp://HOST:PORT' or 'udp://HOST:PORT', as its backends. */
  readonly url: string
  readonly host: string
  readonly port: number
  readonly transport: 'tcp' | 'udp'
  readonly backends: readonly EchoServer[]
  /** Connections (TCP) or flows (UDP) sent to each backend so far, by its url. */
  readonly assigned: Readonly<Record<string, number>>
  /** Stop listening and drop every connection or flow. */
  close(): Promise<void>
}

const OPTION_KEYS = ['host', 'port', 'events'] as const satisfies readonly (keyof EchoFrontOptions)[]

/** Idle UDP flows are forgotten after this long. */
const UDP_FLOW_IDLE_MS = 30_000

/** Start a round-robin front over `backends` (all TCP or all UDP). */
export async function startEchoFront(
  backends: EchoServer[],
  options: EchoFrontOptions = {},
): Promise<EchoFront> {
  if (!Array.isArray(backends) || backends.length === 0) {
    throw new FieldError('backends', backends, 'a non-empty array of echo servers')
  }
  const transport = backends[0]!.transport
  const odd = backends.findIndex((b) => b?.transport !== transport)
  if (odd >= 0)
    throw new FieldError(
      `backends[${odd}].transport`,
      backends[odd]?.transport,
      `'${transport}' like backends[0]`,
    )
  if (typeof options !== 'object' || options === null) {
    throw new FieldError('echo front options', options, 'an object')
  }
  rejectUnknownKeys(options, OPTION_KEYS, 'echo front options', FieldError)
  const host = parseHost(options.host ?? '127.0.0.1', 'host')
  if (
    options.port !== undefined &&
    (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
  ) {
    throw new FieldError('port', options.port, 'an integer from 0 to 65535')
  }
  const events = options.events ?? defaultEventBus
  const assigned: Record<string, number> = {}
  let next = 0
  /** The next running backend after the last one picked, or undefined when none runs. */
  const pick = (): EchoServer | undefined => {
    for (let i = 0; i < backends.length; i++) {
      const backend = backends[(next + i) % backends.length]!
      if (backend.running) {
        next = (next + i + 1) % backends.length
        assigned[backend.url] = (assigned[backend.url] ?? 0) + 1
        return backend
      }
    }
    return undefined
  }
  const front =
    transport === 'tcp'
      ? await tcpFront(host, options.port ?? 0, pick)
      : await udpFront(host, options.port ?? 0, pick)
  const url = formatUrl(transport, host, front.port)
  events.emit({ source: `front ${url}`, type: 'front.start', backends: backends.map((b) => b.url) })
  return { url, host, port: front.port, transport, backends, assigned, close: front.close }
}

interface Listening {
  port: number
  close(): Promise<void>
}

async function tcpFront(host: string, port: number, pick: () => EchoServer | undefined): Promise<Listening> {
  const sockets = new Set<net.Socket>()
  // Half-open on both sides: a client's FIN must not cut off the replies still on their way.
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    client.on('error', () => undefined)
    const backend = pick()
    if (!backend) {
      client.resetAndDestroy()
      return
    }
    const upstream = net.connect({
      host: backend.host,
      port: backend.port,
      noDelay: true,
      allowHalfOpen: true,
    })
    client.setNoDelay(true)
    sockets.add(upstream)
    upstream.on('close', () => sockets.delete(upstream))
    // A dead backend resets the client, as a service's connection to a crashed pod is reset.
    upstream.on('error', () => {
      if (!client.destroyed) client.resetAndDestroy()
    })
    client.on('error', () => upstream.destroy())
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return {
    port: (server.address() as net.AddressInfo).port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const socket of sockets) socket.destroy()
      await closed
    },
  }
}

async function udpFront(host: string, port: number, pick: () => EchoServer | undefined): Promise<Listening> {
  const type = host.includes(':') ? 'udp6' : 'udp4'
  const socket = dgram.createSocket(type)
  interface Flow {
    upstream: dgram.Socket
    backend: EchoServer
    timer: NodeJS.Timeout
  }
  const flows = new Map<string, Flow>()
  const forget = (key: string) => {
    const flow = flows.get(key)
    if (!flow) return
    flows.delete(key)
    clearTimeout(flow.timer)
    flow.upstream.close()
  }
  socket.on('message', (message, peer) => {
    const key = `${peer.address}|${peer.port}`
    let flow = flows.get(key)
    // A flow whose backend died is moved to the next running one, as conntrack re-balances.
    if (flow && !flow.backend.running) forget(key)
    flow = flows.get(key)
    if (!flow) {
      const backend = pick()
      if (!backend) return
      const upstream = dgram.createSocket(type)
      upstream.on('message', (reply) => socket.send(reply, peer.port, peer.address))
      upstream.on('error', () => forget(key))
      flow = { upstream, backend, timer: setTimeout(() => forget(key), UDP_FLOW_IDLE_MS) }
      flows.set(key, flow)
    }
    flow.timer.refresh()
    flow.upstream.send(message, flow.backend.port, flow.backend.host)
  })
  socket.on('error', () => undefined)
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', reject)
      resolve()
    })
  })
  return {
    port: socket.address().port,
    async close() {
      for (const key of [...flows.keys()]) forget(key)
      await new Promise<void>((resolve) => socket.close(() => resolve()))
    },
  }
}
