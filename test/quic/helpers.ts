import dgram from 'node:dgram'
import { createRandom } from '../../src/proxy/random.js'
import { type QuicListener, quicTransport } from '../../src/transport/quic/index.js'
import type { Link } from '../../src/transport/types.js'
import { closeTracked, track } from '../helpers/cleanup.js'

/** Deterministic PRNG (the proxy's mulberry32) so failures reproduce. */
export const prng = createRandom

/** Pseudo-random bytes from a seed. */
export function bytes(size: number, seed: number): Buffer {
  const next = prng(seed)
  const out = Buffer.allocUnsafe(size)
  for (let i = 0; i < size; i++) out[i] = (next() * 256) | 0
  return out
}

/** Writes data in chunks honouring backpressure, then ends the link. */
export function writeAll(
  link: Pick<Link, 'send' | 'onDrain' | 'end'>,
  data: Buffer,
  chunkSize = 16 * 1024,
): void {
  let offset = 0
  const pump = () => {
    while (offset < data.length) {
      const chunk = data.subarray(offset, offset + chunkSize)
      offset += chunk.length
      if (!link.send(chunk)) return
    }
    link.end()
  }
  link.onDrain(pump)
  pump()
}

/** Collects everything a link receives until it closes; rejects on a close with an error. */
export function readAll(link: Pick<Link, 'onData' | 'onClose'>): Promise<Buffer> {
  const chunks: Buffer[] = []
  return new Promise((resolve, reject) => {
    link.onData((chunk) => chunks.push(Buffer.from(chunk)))
    link.onClose((error) => (error ? reject(error) : resolve(Buffer.concat(chunks))))
  })
}

/** Writes `data` on a link or stream whose peer echoes, and resolves with all that came back before it closed. */
export function echoBack(
  link: Pick<Link, 'send' | 'onDrain' | 'end' | 'onData' | 'onClose'>,
  data: Buffer,
  chunkSize?: number,
): Promise<Buffer> {
  const back = readAll(link)
  writeAll(link, data, chunkSize)
  return back
}

/** Handle and timer counts from process.getActiveResourcesInfo(), for leak checks. */
export function resources(): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1
  return counts
}

/** Impairments of the in-test UDP relay (probabilities per datagram). */
export interface RelayImpairment {
  drop: number
  duplicate: number
  /** Share of datagrams held back 1-5 ms, so later ones overtake them. */
  reorder: number
  seed: number
}

/**
 * A small UDP relay between one client and a server on 127.0.0.1 that drops, duplicates and
 * reorders datagrams both ways.
 */
export class LossyRelay {
  dropped = 0
  duplicated = 0
  reordered = 0
  forwarded = 0
  private client: { address: string; port: number } | undefined
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly random: () => number

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly target: number,
    private readonly impairment: RelayImpairment,
  ) {
    this.random = prng(impairment.seed)
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo))
  }

  static async start(targetPort: number, impairment: RelayImpairment): Promise<LossyRelay> {
    // Buffers as large as the endpoints' own, so the only losses are the ones drawn here.
    const socket = dgram.createSocket({
      type: 'udp4',
      recvBufferSize: 4 * 1024 * 1024,
      sendBufferSize: 4 * 1024 * 1024,
    })
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()))
    return new LossyRelay(socket, targetPort, impairment)
  }

  get port(): number {
    return this.socket.address().port
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const fromServer = rinfo.port === this.target
    if (!fromServer) this.client = { address: rinfo.address, port: rinfo.port }
    const to = fromServer ? this.client : { address: '127.0.0.1', port: this.target }
    if (to === undefined) return
    const { drop, duplicate, reorder } = this.impairment
    if (this.random() < drop) {
      this.dropped++
      return
    }
    const copies = this.random() < duplicate ? 2 : 1
    if (copies === 2) this.duplicated++
    for (let i = 0; i < copies; i++) {
      if (this.random() < reorder) {
        this.reordered++
        const timer = setTimeout(
          () => {
            this.timers.delete(timer)
            this.forward(msg, to)
          },
          1 + Math.floor(this.random() * 5),
        )
        this.timers.add(timer)
      } else this.forward(msg, to)
    }
  }

  private forward(msg: Buffer, to: { address: string; port: number }): void {
    this.forwarded++
    this.socket.send(msg, to.port, to.address)
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    await new Promise<void>((resolve) => this.socket.close(() => resolve()))
  }
}

/** Runs every tracked teardown step, then closes the shared client endpoints (call it in afterEach). */
export async function runCleanup(): Promise<void> {
  await closeTracked()
  await quicTransport.close?.()
}

/** A QUIC node on 127.0.0.1 that echoes every link back to its sender; closed by runCleanup(). */
export async function echoNode(options: Record<string, unknown> = {}): Promise<QuicListener> {
  const listener = await quicTransport.listen({ host: '127.0.0.1', port: 0, ...options }, (link) => {
    link.onData((chunk) => link.send(chunk))
    link.onClose(() => {})
  })
  return track(listener)
}
