// One subflow: a TCP connection or a QUIC stream carrying multipath frames for one path. It measures its round
// trip (pongs matched to pings, ACKs of frames sent once) and declares itself failed when it
// closes or goes silent.
import {
  CONTROL,
  encodeAck,
  encodeDataHeader,
  encodeFin,
  FrameReader,
  type MultipathFrame,
} from './frames.js'
import type { SubflowWire } from './wire.js'

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

/** A subflow over one connected pipe whose lead bytes were already exchanged. */
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
    private readonly wire: SubflowWire,
    private readonly events: SubflowEvents,
    pingIntervalMs: number,
    leftover: Buffer,
  ) {
    this.timer = setInterval(() => this.tick(pingIntervalMs), pingIntervalMs)
    this.ping()
    if (leftover.length > 0) this.receive(leftover)
    // The handshake held the pipe so nothing after the lead bytes was lost; what waited comes now.
    wire.route({ data: (chunk) => this.receive(chunk), close: (reason) => this.fail(reason) })
  }

  /** 'tcp' or 'quic'. */
  get transport(): 'tcp' | 'quic' {
    return this.wire.kind
  }

  /** Send a data frame; false when the pipe's buffer is full. */
  sendData(fn: number, payload: Buffer): boolean {
    if (this.ended) return false
    this.wire.write(encodeDataHeader(fn, payload.length))
    return this.wire.write(payload)
  }

  /** Acknowledge a data frame received on this subflow. */
  sendAck(fn: number): void {
    if (!this.ended) this.wire.write(encodeAck(fn))
  }

  /** Tell the peer no data frame from `next` on will come. */
  sendFin(next: number): void {
    if (!this.ended) this.wire.write(encodeFin(next))
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
    this.wire.end()
  }

  /** Abrupt close, no goodbye. */
  destroy(): void {
    this.ended = true
    this.state = 'down'
    clearInterval(this.timer)
    this.wire.destroy()
  }

  private ping(): void {
    if (this.ended) return
    this.pingsOut.push(performance.now())
    this.wire.write(encodeAck(CONTROL.ping))
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
        this.wire.write(encodeAck(CONTROL.pong))
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
