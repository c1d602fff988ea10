// One multipath connection: a Duplex whose bytes travel as numbered frames over the subflows of
// several paths. The sender keeps every frame until it is acknowledged and resends late ones on
// paths that have not carried them; the receiver acknowledges each frame on the subflow it came
// on and puts frames back in order within a bounded window.
import { Duplex } from 'node:stream'
import { RunError } from '../errors/kinds.js'
import { MIN_FRAME_NUMBER, type MultipathFrame } from './frames.js'
import { type PathView, SCHEDULERS, type Scheduler, type SchedulerName } from './schedulers/index.js'
import { Subflow, type SubflowState } from './subflow.js'
import type { SubflowWire } from './wire.js'

/** Frames unacknowledged this long past clamp(2 x RTT) are resent; the loop runs this often. */
export const RESEND_INTERVAL_MS = 100
/** Bounds of the resend timeout (the reference's). */
export const RESEND_TIMEOUT_RANGE = { min: 1, max: 512 } as const
/** How far ahead of the next expected frame the receiver buffers (the reference's 4,096). */
export const REORDER_WINDOW = 4096

/** Per-path counters, as `stats()` gives them. */
export interface PathStats {
  label: string
  state: SubflowState
  /** Payload bytes sent, first copies and resends. */
  sent: number
  /** Payload bytes received (duplicates included). */
  received: number
  framesSent: number
  framesReceived: number
  /** Frames this path carried as a resend of a frame first sent elsewhere (or before a failure). */
  retransmitted: number
  /** Smoothed round trip (ms), or null before the first sample. */
  rttMs: number | null
  /** Payload bytes last sent on this path and not yet acknowledged. */
  bytesInFlight: number
  /** Subflows that failed (closed, reset, or silent). */
  failures: number
  /** Subflows dialled again after a failure (client side). */
  redials: number
}

/** Counters of one connection. */
export interface MultipathStats {
  cid: string
  scheduler: SchedulerName
  bytesWritten: number
  bytesRead: number
  /** Frames sent more than once. */
  framesRetransmitted: number
  /** Payload bytes written and not yet acknowledged. */
  unackedBytes: number
  /** Longest time (ms) no ACK came while frames were waiting for one. */
  longestAckGapMs: number
  paths: PathStats[]
}

/** Tuning shared by both ends. */
export interface ConnectionSettings {
  scheduler: SchedulerName
  /** Largest payload of one data frame (bytes). */
  frameSize: number
  /** Writes wait once this many written bytes are unacknowledged. */
  windowBytes: number
  pingIntervalMs: number
  /** With no subflow up for this long, the connection fails. */
  idleTimeoutMs: number
}

/** Dials one path again: resolves with a subflow's pipe after its handshake, or rejects. */
export type Redial = (path: number) => Promise<{ wire: SubflowWire; leftover: Buffer }>

interface Pending {
  payload: Buffer
  lastSentAt: number
  /** Subflows that carried the frame; a failed one no longer counts as a carrier. */
  carriers: Set<Subflow>
  lastPath: number
  sends: number
  resent: boolean
}

interface PathSlot {
  label: string
  subflow: Subflow | undefined
  stats: Omit<PathStats, 'label' | 'state' | 'rttMs' | 'bytesInFlight'>
  lastRtt: number | undefined
  ackedSinceTick: number
  goodputBps: number
  backoffMs: number
  redialTimer: NodeJS.Timeout | undefined
  /** A dial of this path failed (it may have been retried since). */
  dialFailed: boolean
}

const REDIAL_BACKOFF = { firstMs: 50, maxMs: 1000 } as const

/** A reliable ordered byte stream over several paths. */
export class MultipathConnection extends Duplex {
  readonly cid: string
  private readonly slots: PathSlot[]
  private readonly scheduler: Scheduler
  private readonly pending = new Map<number, Pending>()
  private nextFn = MIN_FRAME_NUMBER
  private unacked = 0
  private writeWaiting: (() => void) | undefined
  private finalWaiting: (() => void) | undefined
  private finSent = false
  private peerFinAt: number | undefined
  private readEnded = false
  private expected = MIN_FRAME_NUMBER
  private readonly reorder = new Map<number, Buffer>()
  private readonly resendTimer: NodeJS.Timeout
  private idleSince: number | undefined
  private lastAckAt = performance.now()
  private longestAckGap = 0
  private bytesWritten = 0
  private bytesRead = 0
  private retransmittedFrames = 0
  private closing = false
  private tickAt = performance.now()

  constructor(
    cid: Uint8Array,
    labels: readonly string[],
    private readonly settings: ConnectionSettings,
    private readonly redial: Redial | undefined,
  ) {
    super({ allowHalfOpen: true })
    this.cid = Buffer.from(cid).toString('hex')
    this.scheduler = SCHEDULERS[settings.scheduler]()
    this.slots = labels.map((label) => ({
      label,
      subflow: undefined,
      stats: {
        sent: 0,
        received: 0,
        framesSent: 0,
        framesReceived: 0,
        retransmitted: 0,
        failures: 0,
        redials: 0,
      },
      lastRtt: undefined,
      ackedSinceTick: 0,
      goodputBps: 0,
      backoffMs: REDIAL_BACKOFF.firstMs,
      redialTimer: undefined,
      dialFailed: false,
    }))
    this.idleSince = performance.now()
    this.resendTimer = setInterval(() => this.tick(), RESEND_INTERVAL_MS)
  }

  /** Put a handshaken pipe to work as the subflow of `path`, replacing one that is there. */
  attach(path: number, wire: SubflowWire, leftover: Buffer): void {
    const slot = this.slots[path]
    if (!slot || this.destroyed || this.closing) {
      wire.destroy()
      return
    }
    slot.subflow?.destroy()
    slot.subflow = new Subflow(
      path,
      wire,
      {
        onFrame: (sf, frame) => this.onFrame(sf, frame),
        onUp: (sf) => this.onUp(sf),
        onFail: (sf, reason) => this.onFail(sf, reason),
      },
      this.settings.pingIntervalMs,
      leftover,
    )
  }

  /** Per-path and connection counters, as plain data. */
  stats(): MultipathStats {
    const inFlight = this.slots.map(() => 0)
    for (const frame of this.pending.values()) {
      inFlight[frame.lastPath] = (inFlight[frame.lastPath] ?? 0) + frame.payload.length
    }
    return {
      cid: this.cid,
      scheduler: this.settings.scheduler,
      bytesWritten: this.bytesWritten,
      bytesRead: this.bytesRead,
      framesRetransmitted: this.retransmittedFrames,
      unackedBytes: this.unacked,
      longestAckGapMs: Math.round(Math.max(this.longestAckGap, this.currentAckGap()) * 10) / 10,
      paths: this.slots.map((slot, i) => {
        const rtt = slot.subflow?.rttMs ?? slot.lastRtt
        return {
          label: slot.label,
          state: slot.subflow?.state ?? 'down',
          ...slot.stats,
          rttMs: rtt === undefined ? null : Math.round(rtt * 100) / 100,
          bytesInFlight: inFlight[i]!,
        }
      }),
    }
  }

  /** Resolves once every path is up or has failed once, or after `timeoutMs`. */
  settled(timeoutMs: number): Promise<void> {
    const done = () =>
      this.slots.every((s) => s.subflow?.state === 'up' || s.stats.failures > 0 || s.dialFailed)
    if (done()) return Promise.resolve()
    return new Promise((resolve) => {
      const deadline = performance.now() + timeoutMs
      const poll = setInterval(() => {
        if (done() || this.destroyed || performance.now() > deadline) {
          clearInterval(poll)
          resolve()
        }
      }, 2)
    })
  }

  /** True while at least one path has a subflow (up or probing). */
  get connected(): boolean {
    return this.slots.some((s) => s.subflow !== undefined)
  }

  override _read(): void {
    // Frames are pushed as they arrive in order; the sender's window bounds what can pile up.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const { frameSize } = this.settings
    for (let offset = 0; offset < chunk.length; offset += frameSize) {
      this.sendNew(chunk.subarray(offset, Math.min(chunk.length, offset + frameSize)))
    }
    this.bytesWritten += chunk.length
    if (this.hasRoom()) callback()
    else this.writeWaiting = () => callback()
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.finalWaiting = () => callback()
    this.maybeFinish()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.closing = true
    clearInterval(this.resendTimer)
    for (const slot of this.slots) {
      clearTimeout(slot.redialTimer)
      slot.subflow?.destroy()
      slot.subflow = undefined
    }
    this.pending.clear()
    this.reorder.clear()
    callback(error)
  }

  private hasRoom(): boolean {
    // The frame count stays under the peer's reorder window, so a correct sender never overflows it.
    return this.unacked < this.settings.windowBytes && this.pending.size < REORDER_WINDOW / 2
  }

  private currentAckGap(): number {
    return this.pending.size > 0 ? performance.now() - this.lastAckAt : 0
  }

  private usable(): Subflow[] {
    const live = this.slots.map((s) => s.subflow).filter((s): s is Subflow => s !== undefined)
    const up = live.filter((s) => s.state === 'up')
    // A subflow still waiting for its first pong is used only when nothing better is there.
    return up.length > 0 ? up : live
  }

  private view(subflow: Subflow): PathView {
    const slot = this.slots[subflow.path]!
    let inFlight = 0
    for (const frame of this.pending.values())
      if (frame.lastPath === subflow.path) inFlight += frame.payload.length
    return {
      index: subflow.path,
      rttMs: subflow.rttMs ?? Number.POSITIVE_INFINITY,
      inFlightBytes: inFlight,
      goodputBps: slot.goodputBps,
    }
  }

  private sendNew(payload: Buffer): void {
    const fn = this.nextFn++
    const frame: Pending = {
      payload,
      lastSentAt: performance.now(),
      carriers: new Set(),
      lastPath: 0,
      sends: 0,
      resent: false,
    }
    if (this.pending.size === 0) this.lastAckAt = performance.now()
    this.pending.set(fn, frame)
    this.unacked += payload.length
    const usable = this.usable()
    if (usable.length === 0) return // sent when a subflow comes up
    const views = usable.map((s) => this.view(s))
    for (const chosen of this.scheduler.pick(views, payload.length)) {
      this.transmit(fn, frame, this.slots[chosen.index]!.subflow!, false)
    }
  }

  private transmit(fn: number, frame: Pending, subflow: Subflow, resend: boolean): void {
    const slot = this.slots[subflow.path]!
    if (resend) {
      slot.stats.retransmitted++
      if (!frame.resent) this.retransmittedFrames++
      frame.resent = true
    }
    frame.sends++
    frame.carriers.add(subflow)
    frame.lastSentAt = performance.now()
    frame.lastPath = subflow.path
    slot.stats.sent += frame.payload.length
    slot.stats.framesSent++
    subflow.sendData(fn, frame.payload)
  }

  private onFrame(subflow: Subflow, frame: MultipathFrame): void {
    if (frame.type === 'data') this.onData(subflow, frame.fn, frame.payload)
    else if (frame.type === 'ack') this.onAck(subflow, frame.fn)
    else if (frame.type === 'fin') this.onFin(frame.next)
  }

  private onData(subflow: Subflow, fn: number, payload: Buffer): void {
    const slot = this.slots[subflow.path]!
    slot.stats.received += payload.length
    slot.stats.framesReceived++
    subflow.sendAck(fn)
    if (fn < this.expected || this.reorder.has(fn)) return // a copy already here
    if (fn >= this.expected + REORDER_WINDOW) {
      // Never dropped silently: the stream would be corrupt from here on.
      this.destroy(
        new RunError(
          'protocol_error',
          `multipath reorder window overflow: frame ${fn} arrived while frame ${this.expected} is still missing (window ${REORDER_WINDOW} frames)`,
        ),
      )
      return
    }
    this.reorder.set(fn, payload)
    for (;;) {
      const next = this.reorder.get(this.expected)
      if (next === undefined) break
      this.reorder.delete(this.expected)
      this.expected++
      this.bytesRead += next.length
      this.push(next)
    }
    this.maybeEndReadable()
  }

  private onAck(subflow: Subflow, fn: number): void {
    const frame = this.pending.get(fn)
    if (!frame) return // acknowledged already, through another path
    const now = performance.now()
    // Only a frame sent once gives an unambiguous round trip (Karn's rule).
    if (frame.sends === 1 && frame.carriers.has(subflow)) subflow.sampleRtt(now - frame.lastSentAt)
    this.pending.delete(fn)
    this.unacked -= frame.payload.length
    const slot = this.slots[subflow.path]!
    slot.ackedSinceTick += frame.payload.length
    this.longestAckGap = Math.max(this.longestAckGap, now - this.lastAckAt)
    this.lastAckAt = now
    if (this.writeWaiting && this.hasRoom()) {
      const resume = this.writeWaiting
      this.writeWaiting = undefined
      resume()
    }
    this.maybeFinish()
  }

  private onFin(next: number): void {
    this.peerFinAt = next
    this.maybeEndReadable()
  }

  private maybeEndReadable(): void {
    if (this.readEnded || this.peerFinAt === undefined || this.expected < this.peerFinAt) return
    this.readEnded = true
    this.push(null)
    this.maybeClose()
  }

  /** Our side ended and everything written was acknowledged: say so on every subflow. */
  private maybeFinish(): void {
    if (!this.finalWaiting || this.pending.size > 0) return
    const done = this.finalWaiting
    this.finalWaiting = undefined
    this.finSent = true
    for (const slot of this.slots) slot.subflow?.sendFin(this.nextFn)
    done()
    this.maybeClose()
  }

  private maybeClose(): void {
    if (!this.finSent || !this.readEnded || this.closing) return
    this.closing = true
    clearInterval(this.resendTimer)
    for (const slot of this.slots) {
      clearTimeout(slot.redialTimer)
      // Ended, not destroyed: the FIN frame and last ACKs written just now must still leave.
      slot.subflow?.end()
      slot.lastRtt = slot.subflow?.rttMs ?? slot.lastRtt
      slot.subflow = undefined
    }
    this.destroy()
  }

  private onUp(subflow: Subflow): void {
    const slot = this.slots[subflow.path]!
    slot.backoffMs = REDIAL_BACKOFF.firstMs
    if (this.finSent) subflow.sendFin(this.nextFn)
    this.rescueOrphans()
  }

  private onFail(subflow: Subflow, _reason: string): void {
    const slot = this.slots[subflow.path]!
    if (slot.subflow !== subflow) return
    slot.subflow = undefined
    slot.lastRtt = subflow.rttMs
    if (this.closing || this.destroyed) return
    slot.stats.failures++
    for (const frame of this.pending.values()) frame.carriers.delete(subflow)
    if (!this.connected) this.idleSince = performance.now()
    this.rescueOrphans()
    this.scheduleRedial(subflow.path)
  }

  /** Dial `path` now (client side); a failed dial is retried with backoff. */
  dialPath(path: number, again = false): void {
    const slot = this.slots[path]
    if (!slot || !this.redial || this.closing || this.destroyed) return
    this.redial(path).then(
      ({ wire, leftover }) => {
        if (this.closing || this.destroyed) {
          wire.destroy()
          return
        }
        if (again) slot.stats.redials++
        this.attach(path, wire, leftover)
      },
      () => {
        slot.dialFailed = true
        this.scheduleRedial(path)
      },
    )
  }

  private scheduleRedial(path: number): void {
    const slot = this.slots[path]!
    if (!this.redial || this.closing || this.destroyed || slot.redialTimer) return
    const delay = slot.backoffMs
    slot.backoffMs = Math.min(slot.backoffMs * 2, REDIAL_BACKOFF.maxMs)
    slot.redialTimer = setTimeout(() => {
      slot.redialTimer = undefined
      this.dialPath(path, true)
    }, delay)
  }

  /** Frames with no live carrier go out now on what is usable, not at the next resend tick. */
  private rescueOrphans(): void {
    const usable = this.usable()
    if (usable.length === 0) return
    for (const [fn, frame] of this.pending) {
      if (frame.carriers.size > 0) continue
      const views = usable.map((s) => this.view(s))
      for (const chosen of this.scheduler.pick(views, frame.payload.length)) {
        this.transmit(fn, frame, this.slots[chosen.index]!.subflow!, frame.sends > 0)
      }
    }
  }

  private tick(): void {
    const now = performance.now()
    const elapsed = (now - this.tickAt) / 1000
    this.tickAt = now
    for (const slot of this.slots) {
      const rate = elapsed > 0 ? slot.ackedSinceTick / elapsed : 0
      slot.goodputBps = slot.goodputBps === 0 ? rate : 0.5 * rate + 0.5 * slot.goodputBps
      slot.ackedSinceTick = 0
    }
    if (this.connected) {
      this.idleSince = undefined
    } else if (this.idleSince !== undefined && now - this.idleSince > this.settings.idleTimeoutMs) {
      this.destroy(
        new RunError(
          'reset',
          `multipath connection ${this.cid}: no path up for ${this.settings.idleTimeoutMs} ms`,
        ),
      )
      return
    }
    this.rescueOrphans()
    const up = this.usable().filter((s) => s.state === 'up')
    for (const [fn, frame] of this.pending) {
      const last = this.slots[frame.lastPath]!.subflow
      const rtt = last?.rttMs ?? this.slots[frame.lastPath]!.lastRtt ?? RESEND_TIMEOUT_RANGE.max
      const timeout = Math.min(RESEND_TIMEOUT_RANGE.max, Math.max(RESEND_TIMEOUT_RANGE.min, 2 * rtt))
      if (now - frame.lastSentAt < timeout) continue
      // One more path per round, the fastest that has not carried the frame yet.
      let best: Subflow | undefined
      for (const subflow of up) {
        if (frame.carriers.has(subflow)) continue
        if (!best || (subflow.rttMs ?? Number.POSITIVE_INFINITY) < (best.rttMs ?? Number.POSITIVE_INFINITY)) {
          best = subflow
        }
      }
      if (best) this.transmit(fn, frame, best, true)
    }
  }
}
