// One TCP echo connection as ctraffic runs it: dial (1.5 s timeout), then paced stop-and-wait
// packets, each read back in full within 1 s. Failures carry ctraffic's (Go's) wording.
import net from 'node:net'
import { formatHostPort } from '../address.js'
import { RunError } from '../errors/kinds.js'
import { type ConnStats, hostStamp } from './conn-stats.js'

/** ctraffic's dial timeout. */
export const DIAL_TIMEOUT_MS = 1500
/** ctraffic's read deadline for one echo. */
export const READ_TIMEOUT_MS = 1000

/** The address of a socket end as Go prints it ('127.0.0.1:5003', '[::1]:5003'). */
export function endpoint(address: string | undefined, port: number | undefined): string {
  return address === undefined || port === undefined ? '' : formatHostPort(address, port)
}

/** Dial host:port; rejects with a RunError (connect_refused, connect_timeout, ...) naming it. */
export function dialTcp(host: string, port: number, signal: AbortSignal): Promise<net.Socket> {
  const where = formatHostPort(host, port)
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true })
    const done = (error?: Error) => {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      socket.off('error', done)
      if (error) {
        socket.destroy()
        reject(error)
      } else resolve(socket)
    }
    const onAbort = () => done(new RunError('aborted', `dial tcp ${where}: aborted`))
    const timer = setTimeout(
      () => done(new RunError('connect_timeout', `dial tcp ${where}: i/o timeout`)),
      DIAL_TIMEOUT_MS,
    )
    signal.addEventListener('abort', onAbort, { once: true })
    socket.once('error', done)
    socket.once('connect', () => done())
  })
}

/** Reads whole echoes off a socket: counts bytes, keeps the first reply for its host stamp. */
export class EchoReader {
  private pending = 0
  private first: Buffer[] | undefined = []
  private firstBytes = 0
  private waiter: { need: number; resolve: () => void; reject: (e: Error) => void } | undefined
  private failure: Error | undefined
  private timer: NodeJS.Timeout | undefined
  private readonly broken = new AbortController()
  /** Aborts when the connection breaks, so a wait for the next send slot ends at once. */
  readonly brokenSignal: AbortSignal = this.broken.signal
  /** The host name stamped into the first reply, once it is in. */
  host: string | undefined

  constructor(
    private readonly socket: net.Socket,
    private readonly psize: number,
  ) {
    // Go's wording names both ends; they are read now, while the socket still has them.
    this.ends = `tcp ${endpoint(socket.localAddress, socket.localPort)}->${endpoint(socket.remoteAddress, socket.remotePort)}`
    const label = () => this.label()
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('end', () => this.fail(new RunError('connection_closed', 'EOF')))
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const kind = error.code === 'ECONNRESET' ? 'reset' : 'internal'
      const why = error.code === 'ECONNRESET' ? 'read: connection reset by peer' : error.message
      this.fail(new RunError(kind, `${label()}: ${why}`))
    })
    socket.on('close', () => this.fail(new RunError('reset', `${label()}: use of closed network connection`)))
  }

  private readonly ends: string

  private label(): string {
    return `read ${this.ends}`
  }

  private onData(chunk: Buffer): void {
    if (this.first) {
      this.first.push(chunk)
      this.firstBytes += chunk.length
      if (this.firstBytes >= this.psize) {
        this.host = hostStamp(Buffer.concat(this.first).subarray(0, this.psize))
        this.first = undefined
      }
    }
    this.pending += chunk.length
    this.check()
  }

  private fail(error: Error): void {
    this.failure ??= error
    this.broken.abort(this.failure)
    this.check()
  }

  /** What broke the connection, if something did. */
  get failed(): Error | undefined {
    return this.failure
  }

  private check(): void {
    const waiter = this.waiter
    if (!waiter) return
    if (this.pending >= waiter.need) {
      this.pending -= waiter.need
      this.settle()
      waiter.resolve()
    } else if (this.failure) {
      this.settle()
      waiter.reject(this.failure)
    }
  }

  private settle(): void {
    this.waiter = undefined
  }

  /** The read deadline passed: fail the read in progress, if one is (a late firing after it settled is ignored). */
  private expire(): void {
    const waiter = this.waiter
    if (!waiter) return
    this.settle()
    waiter.reject(new RunError('ack_timeout', `${this.label()}: i/o timeout`))
  }

  /** Resolves when one whole echo of psize bytes is in; rejects after READ_TIMEOUT_MS or on a failure. */
  readEcho(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiter = { need: this.psize, resolve, reject }
      // One timer per connection, re-armed for each read: a new timer per packet costs more than the echo.
      if (this.timer) this.timer.refresh()
      else this.timer = setTimeout(() => this.expire(), READ_TIMEOUT_MS)
      this.check()
    })
  }

  /** Stop the read deadline's timer (the connection is done). */
  close(): void {
    clearTimeout(this.timer)
  }

  /** Write one packet; throws what broke the connection if it broke while idle. */
  write(packet: Buffer): void {
    if (this.failure) throw this.failure
    if (this.socket.destroyed || !this.socket.writable) {
      throw new RunError('reset', `write ${this.ends}: broken pipe`)
    }
    this.socket.write(packet)
  }
}

/** Fill a record's Local/Remote from a connected socket. */
export function recordEnds(stats: ConnStats, socket: net.Socket): void {
  stats.Local = endpoint(socket.localAddress, socket.localPort)
  stats.Remote = endpoint(socket.remoteAddress, socket.remotePort)
}
