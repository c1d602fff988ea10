import { createHash } from 'node:crypto'
import dgram from 'node:dgram'
import net from 'node:net'

/** A TCP server on 127.0.0.1 for proxy tests; close() destroys every socket it accepted. */
export interface TestServer {
  readonly port: number
  readonly url: string
  readonly sockets: Set<net.Socket>
  close(): Promise<void>
}

async function listen(handler: (socket: net.Socket) => void): Promise<TestServer> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer({ allowHalfOpen: false }, (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    handler(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    port,
    url: `tcp://127.0.0.1:${port}`,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** Echo every byte back. */
export function startEcho(): Promise<TestServer> {
  return listen((socket) => socket.pipe(socket))
}

/** A sink: counts and hashes what it receives; `received` resolves with them when the client finishes. */
export interface SinkServer extends TestServer {
  /** Each accepted connection's total, in order of arrival. */
  readonly totals: number[]
  /** Resolves with the next connection's byte count and sha256 once it ends or closes. */
  next(): Promise<{ bytes: number; sha256: string; endedCleanly: boolean }>
}

export async function startSink(): Promise<SinkServer> {
  const totals: number[] = []
  const waiters: ((r: { bytes: number; sha256: string; endedCleanly: boolean }) => void)[] = []
  const results: { bytes: number; sha256: string; endedCleanly: boolean }[] = []
  const server = await listen((socket) => {
    const index = totals.push(0) - 1
    const hash = createHash('sha256')
    let endedCleanly = false
    socket.on('data', (chunk: Buffer) => {
      totals[index] = (totals[index] as number) + chunk.length
      hash.update(chunk)
    })
    socket.on('end', () => {
      endedCleanly = true
    })
    socket.on('close', () => {
      const result = { bytes: totals[index] as number, sha256: hash.digest('hex'), endedCleanly }
      const waiter = waiters.shift()
      if (waiter) waiter(result)
      else results.push(result)
    })
  })
  return {
    ...server,
    totals,
    next: () => {
      const ready = results.shift()
      if (ready) return Promise.resolve(ready)
      return new Promise((resolve) => waiters.push(resolve))
    },
  }
}

/** Connect to a TCP port on 127.0.0.1. */
export function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true })
    socket.once('connect', () => {
      socket.off('error', reject)
      resolve(socket)
    })
    socket.once('error', reject)
  })
}

/** How a client's connection went: bytes read, whether it saw a clean end, the error if any. */
export interface Outcome {
  data: Buffer
  chunks: number
  ended: boolean
  error: string | undefined
  closedAfterMs: number
}

/** Collect everything a socket reads until it closes (bounded by `timeoutMs`, then destroyed). */
export function collect(socket: net.Socket, timeoutMs = 10_000): Promise<Outcome> {
  const start = performance.now()
  const parts: Buffer[] = []
  let ended = false
  let error: string | undefined
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.destroy(), timeoutMs)
    socket.on('data', (chunk: Buffer) => parts.push(chunk))
    socket.on('end', () => {
      ended = true
    })
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message
    })
    socket.on('close', () => {
      clearTimeout(timer)
      resolve({
        data: Buffer.concat(parts),
        chunks: parts.length,
        ended,
        error,
        closedAfterMs: performance.now() - start,
      })
    })
  })
}

/** Deterministic test payload. */
export function payload(size: number, salt = 1): Buffer {
  const buffer = Buffer.alloc(size)
  let x = salt * 2654435761
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    buffer[i] = x >>> 24
  }
  return buffer
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/** A UDP echo server on 127.0.0.1 that records which peers (address:port) it heard from. */
export interface UdpEcho {
  readonly port: number
  readonly url: string
  readonly peers: Set<string>
  received: number
  close(): Promise<void>
}

export async function startUdpEcho(scheme = 'udp'): Promise<UdpEcho> {
  const socket = dgram.createSocket('udp4')
  const peers = new Set<string>()
  const echo: UdpEcho = {
    port: 0,
    url: '',
    peers,
    received: 0,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  }
  socket.on('message', (message, remote) => {
    echo.received++
    peers.add(`${remote.address}:${remote.port}`)
    socket.send(message, remote.port, remote.address)
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const port = socket.address().port
  return Object.assign(echo, { port, url: `${scheme}://127.0.0.1:${port}` })
}

/** A UDP client socket on 127.0.0.1 that records what it receives. */
export interface UdpClient {
  readonly socket: dgram.Socket
  readonly received: Buffer[]
  send(data: Buffer, port: number): Promise<void>
  /** Wait until `count` datagrams arrived or `timeoutMs` passed. */
  waitFor(count: number, timeoutMs: number): Promise<Buffer[]>
  close(): Promise<void>
}

export async function udpClient(): Promise<UdpClient> {
  const socket = dgram.createSocket('udp4')
  const received: Buffer[] = []
  let wake: (() => void) | undefined
  socket.on('message', (message) => {
    received.push(message)
    wake?.()
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return {
    socket,
    received,
    send: (data, port) =>
      new Promise((resolve, reject) =>
        socket.send(data, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
      ),
    waitFor: (count, timeoutMs) =>
      new Promise((resolve) => {
        const deadline = setTimeout(done, timeoutMs)
        function done() {
          clearTimeout(deadline)
          wake = undefined
          resolve(received)
        }
        wake = () => {
          if (received.length >= count) done()
        }
        wake()
      }),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Poll until `check` holds or `timeoutMs` passes; returns whether it held. */
export async function until(check: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs
  while (!check()) {
    if (performance.now() > deadline) return false
    await sleep(5)
  }
  return true
}

const tracked: { close(): Promise<void> }[] = []

/** Remember something to close after the test; returns it. */
export function track<T extends { close(): Promise<void> }>(thing: T): T {
  tracked.push(thing)
  return thing
}

/** Close everything track() was given (use as afterEach). */
export async function closeTracked(): Promise<void> {
  await Promise.all(tracked.splice(0).map((thing) => thing.close()))
}
