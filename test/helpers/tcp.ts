import { createHash } from 'node:crypto'
import net from 'node:net'
import { trackSocket } from './cleanup.js'

/** A TCP server on 127.0.0.1 for proxy tests; close() destroys every socket it accepted. */
export interface TestServer {
  readonly port: number
  readonly url: string
  readonly sockets: Set<net.Socket>
  close(): Promise<void>
}

/** A TCP server on 127.0.0.1 that hands each accepted socket to `handler`; errors on a socket are ignored. */
export async function startTcpServer(
  handler: (socket: net.Socket) => void,
  { allowHalfOpen = false } = {},
): Promise<TestServer> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer({ allowHalfOpen }, (socket) => {
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

/** A TCP echo server on 127.0.0.1: every byte goes back to its sender. */
export function startEcho(): Promise<TestServer> {
  return startTcpServer((socket) => socket.pipe(socket))
}

/** A sink: counts and hashes what it receives; `received` resolves with them when the client finishes. */
export interface SinkServer extends TestServer {
  /** Each accepted connection's total, in order of arrival. */
  readonly totals: number[]
  /** Resolves with the next connection's byte count and sha256 once it ends or closes. */
  next(): Promise<{ bytes: number; sha256: string; endedCleanly: boolean }>
}

/** A TCP sink on 127.0.0.1 that reads everything and reports each connection's bytes and digest. */
export async function startSink(): Promise<SinkServer> {
  const totals: number[] = []
  const waiters: ((r: { bytes: number; sha256: string; endedCleanly: boolean }) => void)[] = []
  const results: { bytes: number; sha256: string; endedCleanly: boolean }[] = []
  const server = await startTcpServer((socket) => {
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

/** Sends `data` to 127.0.0.1:`port`, ends, and collects the reply until the connection closes. */
export async function roundTrip(port: number, data: Buffer | string, timeoutMs = 10_000): Promise<Outcome> {
  const socket = trackSocket(await connect(port))
  const outcome = collect(socket, timeoutMs)
  socket.end(data)
  return outcome
}
