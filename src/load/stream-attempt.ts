import { classifyError, type ErrorKind } from '../errors/kinds.js'
import { FrameType, type TrafficClassName } from '../protocol/frames.js'
import { foldChecksum, payloadChecksum, streamPayload } from '../protocol/payload.js'
import { ChannelError, type ClientChannel } from './client-connection.js'
import type { Collector } from './collector.js'

/** What one attempt of a logical stream needs to know. */
export interface AttemptPlan {
  stream: number
  trafficClass: TrafficClassName
  target: string
  /** Offset of the first byte this attempt sends (bytes acknowledged by earlier attempts). */
  offset: number
  totalBytes: number
  payloadSize: number
  inflightFrames: number
  /** Bound on the wait for one ACK; 0 = none (the deadline still holds). */
  ackTimeoutMs: number
  /** performance.now() after which the attempt gives up (streamTimeout or the run's timeout). */
  deadline: number
  deadlineKind: ErrorKind
  /** With ackTimeout off, the CLOSE_ACK is awaited until then (its stream is done, so not `deadline`). */
  closeDeadline: number
  /** performance.now() when the attempt began; channel setup is timed from here. */
  begun: number
  /** An ACK slower than this (ms) marks the target degraded; 0 = never (migrateSlowStreams off). */
  maxAckMs: number
  /** Whether a slow ACK moves the stream on (another target is left to try). */
  migrate: boolean
}

/** Thrown out of an attempt to continue the stream elsewhere after a slow ACK: not a failure. */
export class SlowAckMigration extends Error {
  constructor(
    readonly target: string,
    readonly ackMs: number,
  ) {
    super(`ACK from ${target} took ${Math.round(ackMs)} ms, over maxAckMs`)
    this.name = 'SlowAckMigration'
  }
}

/** How far an attempt got. */
export interface AttemptProgress {
  /** Offset after the last acknowledged byte. */
  offset: number
  /** Channel setup time of the latest attempt (connection included when one was made). */
  setupMs?: number
  /** Set when the channel is done sending and waits only for its close (shortSessions off). */
  pendingClose?: () => Promise<void>
  /** The slowest ACK over maxAckMs this attempt saw, when one was: its target is degraded. */
  slowAckMs?: number
  /** performance.now() of this attempt's first acknowledged byte (its OPEN's ACK when no byte was left). */
  firstAckAt?: number
  /** DATA frames sent and ACKs received over every attempt of the stream, and the slowest ACK (ms). */
  framesSent: number
  acksReceived: number
  maxAckMs: number
}

interface InFlight {
  sequence: number
  length: number
  checksum: number
  sentAt: number
}

/**
 * Wait for the channel's next frame within both the ACK timeout and the attempt's deadline.
 * Until the node has answered once on a connection, a missing answer is a connect_timeout: a
 * TCP proxy or middlebox completes the TCP handshake itself, so only the node's first frame
 * shows the connection is up end to end (QUIC's handshake already is end to end).
 */
function nextFrame(channel: ClientChannel, plan: AttemptPlan) {
  const remaining = plan.deadline - performance.now()
  if (plan.ackTimeoutMs === 0 || remaining <= plan.ackTimeoutMs)
    return channel.next(remaining, plan.deadlineKind)
  return channel.next(plan.ackTimeoutMs, channel.confirmed ? 'ack_timeout' : 'connect_timeout')
}

/**
 * Run one attempt on an open channel: wait for the OPEN's ACK, send DATA frames keeping up to
 * inflightFrames unacknowledged, check every ACK's checksum, then CLOSE and check the node's
 * whole-channel byte count and checksum. Progress is updated as ACKs arrive, so a failed attempt
 * tells failover where to resume.
 */
export async function runAttempt(
  channel: ClientChannel,
  plan: AttemptPlan,
  collector: Collector,
  progress: AttemptProgress,
  closeNow: boolean,
): Promise<void> {
  const bulk = plan.trafficClass === 'bulk'
  const inflight: InFlight[] = []
  let sequence = 0
  let sendOffset = plan.offset
  let sentBytes = 0
  let sentChecksum = 0
  try {
    const opened = await nextFrame(channel, plan)
    if (opened.type !== FrameType.ACK || opened.sequence !== 0) {
      throw new ChannelError(
        'protocol_error',
        `${channel.remote} answered channel ${channel.id}'s OPEN with frame type ${opened.type}, not its ACK`,
      )
    }
    progress.setupMs = performance.now() - plan.begun
    collector.setupMeasured(plan.target, progress.setupMs)
    if (progress.offset >= plan.totalBytes) progress.firstAckAt ??= performance.now()
    while (progress.offset < plan.totalBytes) {
      while (inflight.length < plan.inflightFrames && sendOffset < plan.totalBytes) {
        const length = Math.min(plan.payloadSize, plan.totalBytes - sendOffset)
        const payload = streamPayload(plan.stream, sendOffset, length)
        sequence++
        const sum = payloadChecksum(plan.stream, sendOffset, payload)
        sentChecksum = foldChecksum(sentChecksum, sum)
        inflight.push({ sequence, length, checksum: sum, sentAt: performance.now() })
        sendOffset += length
        sentBytes += length
        collector.frameSent(plan.target)
        progress.framesSent++
        if (!channel.sendData(sequence, payload)) await channel.drained()
      }
      const ack = await nextFrame(channel, plan)
      const head = inflight[0]
      if (ack.type !== FrameType.ACK || !head || ack.sequence !== head.sequence) {
        throw new ChannelError(
          'protocol_error',
          `${channel.remote} sent ${ack.type === FrameType.ACK ? `ACK ${ack.sequence}` : `frame type ${ack.type}`} on channel ${channel.id}, expected ACK ${head?.sequence}`,
        )
      }
      inflight.shift()
      const intact = ack.checksum === head.checksum
      const ackedAt = performance.now()
      const ackMs = ackedAt - head.sentAt
      collector.ackReceived(plan.target, bulk, ackMs, head.length, intact)
      progress.offset += head.length
      progress.acksReceived++
      progress.maxAckMs = Math.max(progress.maxAckMs, ackMs)
      progress.firstAckAt ??= ackedAt
      if (plan.maxAckMs > 0 && ackMs > plan.maxAckMs) {
        progress.slowAckMs = Math.max(progress.slowAckMs ?? 0, ackMs)
        // A bulk stream moves on with what is left; a control stream restarts elsewhere even when
        // this was its last frame, as the reference does (control traffic wants the fast path).
        if (plan.migrate && (!bulk || progress.offset < plan.totalBytes)) {
          throw new SlowAckMigration(plan.target, ackMs)
        }
      }
    }
  } catch (error) {
    collector.framesAbandoned(inflight.length)
    channel.abandon(error instanceof SlowAckMigration ? 'slow_ack_migration' : classifyError(error))
    collector.channelClosed(plan.target)
    throw error
  }
  const close = async () => {
    try {
      channel.sendClose(sentBytes)
      const closeAck = await nextFrame(channel, {
        ...plan,
        deadline: plan.ackTimeoutMs > 0 ? Number.POSITIVE_INFINITY : plan.closeDeadline,
        deadlineKind: 'ack_timeout',
      })
      if (closeAck.type !== FrameType.CLOSE_ACK) {
        throw new ChannelError(
          'protocol_error',
          `${channel.remote} answered channel ${channel.id}'s CLOSE with frame type ${closeAck.type}, not CLOSE_ACK`,
        )
      }
      if (closeAck.totalBytes !== sentBytes || closeAck.checksum !== sentChecksum) collector.closeMismatched()
      channel.finish()
    } catch (error) {
      channel.abandon(classifyError(error))
      throw error
    } finally {
      collector.channelClosed(plan.target)
    }
  }
  if (closeNow) await close()
  else progress.pendingClose = close
}
