// One subflow: a TCP connection carrying multipath frames for one path. It measures its round
// trip (pongs matched to pings, ACKs of frames sent once) and declares itself failed when it
// closes or goes silent.
import type net from 'node:net'
import { resetSocket } from '../transport/tcp/reset.js'
import {
  CONTROL,
  encodeAck,
  encodeDataHeader,
  encodeFin,
  FrameReader,
  type MultipathFrame,
} from './frames.js'

/** Weight of the newest sample in the smoothed round trip (the reference's alpha). */
export const RTT_ALPHA = 0.5
/** A subflow whose pings go unanswered and that hears nothing for max(4 x RTT, this) is failed. */
export const MIN_SILENCE_MS = 200

/** up: carries data; probing: connected, waiting for its first pong; down: no connection. */
export type SubflowState = 'up' | 'probing' | 'down'

/** What a subflow tells its connection. */
export interface SubflowEvents {
  onFrame(subflow: Subflow, frame: MultipathFrame): void
  /** The subflow answered its first ping. */
  onUp(subflow: Subflow): void
  /** The subflow is gone (closed, reset, silent, or a protocol error); called once. */
  onFail(subflow: Subflow, reason: string): void
}

/** A subflow over one connected socket whose lead bytes were already exchanged. */
export class Subflow {
  state: SubflowState = 'probing'
  /** Smoothed round trip in ms; undefined until the first sample. */
  rttMs: number | undefined
  private readonly reader = new FrameReader()
  // Send times of pings not yet answered, oldest first: the subflow is ordered both ways, so the
  // n-th pong answers the n-th ping.
  private readonly pingsOut: number[] = []
  private lastHeardAt = performance.now()
  private lastTickAt = performance.now()
  private readonly timer: NodeJS.Timeout
  private ended = false

  constructor(
    readonly path: number,
    private readonly socket: net.Socket,
    private readonly events: SubflowEvents,
    pingIntervalMs: number,
    leftover: Buffer,
  ) {
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.receive(chunk))
    socket.on('error', (error) => this.fail(`${error.message}`))
    socket.on('end', () => this.fail('closed by the peer'))
    socket.on('close', () => this.fail('closed'))
    this.timer = setInterval(() => this.tick(pingIntervalMs), pingIntervalMs)
    this.ping()
    if (leftover.length > 0) this.receive(leftover)
    // The handshake paused the socket so nothing after the lead bytes was lost.
    socket.resume()
  }

  /** Send a data frame; false when the socket's buffer is full. */
  sendData(fn: number, payload: Buffer): boolean {
    if (this.ended) return false
    this.socket.write(encodeDataHeader(fn, payload.length))
    return this.socket.write(payload)
  }

  /** Acknowledge a data frame received on this subflow. */
  sendAck(fn: number): void {
    if (!this.ended) this.socket.write(encodeAck(fn))
  }

  /** Tell the peer no data frame from `next` on will come. */
  sendFin(next: number): void {
    if (!this.ended) this.socket.write(encodeFin(next))
  }

  /** Fold a round-trip sample into the smoothed value. */
  sampleRtt(ms: number): void {
    this.rttMs = this.rttMs === undefined ? ms : RTT_ALPHA * ms + (1 - RTT_ALPHA) * this.rttMs
  }

  /** Graceful close: flush what is queued, then FIN. */
  end(): void {
    if (this.ended) return
    this.ended = true
    this.state = 'down'
    clearInterval(this.timer)
    this.socket.end()
    // A peer that never answers the FIN must not keep the socket open; the timer goes with the socket.
    const linger = setTimeout(() => this.socket.destroy(), 2000)
    linger.unref()
    this.socket.once('close', () => clearTimeout(linger))
  }

  /** Abrupt close, no goodbye. */
  destroy(): void {
    this.ended = true
    this.state = 'down'
    clearInterval(this.timer)
    resetSocket(this.socket)
  }

  private ping(): void {
    if (this.ended) return
    this.pingsOut.push(performance.now())
    this.socket.write(encodeAck(CONTROL.ping))
  }

  private tick(intervalMs: number): void {
    const now = performance.now()
    // A late tick means this thread was busy (GC, a long task), not that the path went quiet:
    // the time it lost does not count as silence.
    const lost = now - this.lastTickAt - intervalMs
    this.lastTickAt = now
    if (lost > intervalMs) {
      this.lastHeardAt += lost
      for (let i = 0; i < this.pingsOut.length; i++) this.pingsOut[i]! += lost
    }
    const oldest = this.pingsOut[0]
    if (oldest !== undefined) {
      const limit = Math.max(4 * (this.rttMs ?? 0), MIN_SILENCE_MS)
      // Silence, not a late pong, is the failure: a busy subflow's pong waits behind its data.
      if (now - oldest > limit && now - this.lastHeardAt > limit) {
        // Timers run before the poll phase: bytes already waiting are read before the verdict.
        setImmediate(() => {
          if (!this.ended && performance.now() - this.lastHeardAt > limit) {
            this.fail(`no answer to pings for ${Math.round(performance.now() - oldest)} ms (blackholed)`)
          }
        })
        return
      }
      // One ping in flight at a time keeps the queue short on a slow path.
      return
    }
    this.ping()
  }

  private receive(chunk: Buffer): void {
    if (this.ended) return
    this.lastHeardAt = performance.now()
    let frames: MultipathFrame[]
    try {
      frames = this.reader.push(chunk)
    } catch (error) {
      this.fail((error as Error).message)
      return
    }
    for (const frame of frames) {
      if (this.ended) return
      if (frame.type === 'ping') {
        this.socket.write(encodeAck(CONTROL.pong))
      } else if (frame.type === 'pong') {
        const sentAt = this.pingsOut.shift()
        if (sentAt !== undefined) this.sampleRtt(this.lastHeardAt - sentAt)
        if (this.state === 'probing') {
          this.state = 'up'
          this.events.onUp(this)
        }
      } else {
        this.events.onFrame(this, frame)
      }
    }
  }

  private fail(reason: string): void {
    if (this.ended) return
    this.destroy()
    this.events.onFail(this, reason)
  }
}
