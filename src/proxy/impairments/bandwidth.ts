import { ImpairmentError } from '../errors.js'
import { type ImpairmentModule, itemBytes } from '../impairment.js'
import { TimedQueue } from '../timed-queue.js'
import type { ImpairmentCommon } from './common.js'
import { integer, oneOf, positive } from './params.js'

/** A link of limited rate: an N-byte transfer takes N x 8 / bitsPerSecond seconds. */
export interface BandwidthImpairment extends ImpairmentCommon {
  kind: 'bandwidth'
  bitsPerSecond: number
  /** 'connection' (default, as toxiproxy): each connection has its own link; 'proxy': all connections share one link per direction. */
  scope?: 'connection' | 'proxy'
  /** UDP only: bytes a direction may queue before further datagrams are dropped (tail drop). Default 64 KiB. */
  queueBytes?: number
}

/** Time a piece of a TCP chunk may occupy the link; smaller pieces smooth delivery at the cost of more writes. */
const PIECE_MS = 4

/** When the link is next free (ms, performance.now() clock); shared by all connections with scope 'proxy'. */
interface LinkClock {
  nextFree: number
}

/**
 * A link of limited rate. Each piece leaves when its last bit would have crossed the link,
 * so an N-byte transfer ends N x 8 / rate after it starts and an idle link saves up no burst.
 */
export const bandwidth: ImpairmentModule<BandwidthImpairment> = {
  kind: 'bandwidth',
  protocols: ['tcp', 'udp'],
  fields: { bitsPerSecond: true, scope: true, queueBytes: true },
  defaultDirection: 'downstream',
  normalize(input, protocol) {
    const bitsPerSecond = positive('bandwidth.bitsPerSecond', input.bitsPerSecond)
    if (bitsPerSecond < 8) throw new ImpairmentError('bandwidth.bitsPerSecond', bitsPerSecond, 'at least 8')
    return {
      ...input,
      bitsPerSecond,
      scope: oneOf('bandwidth.scope', input.scope, ['connection', 'proxy'], 'connection'),
      queueBytes:
        protocol === 'udp' ? integer('bandwidth.queueBytes', input.queueBytes, 1, 64 * 1024) : undefined,
    }
  },
  stage(params, context) {
    const msPerByte = 8000 / params.bitsPerSecond
    const clock: LinkClock =
      params.scope === 'proxy' ? context.shared(() => ({ nextFree: 0 })) : { nextFree: 0 }
    const queue = new TimedQueue((item) => {
      queued -= itemBytes(item)
      context.emit(item)
    })
    let queued = 0
    const pieceBytes = Math.max(64, Math.floor(PIECE_MS / msPerByte))
    const queueLimit = params.queueBytes ?? Number.POSITIVE_INFINITY

    const send = (piece: Buffer): void => {
      const now = performance.now()
      clock.nextFree = Math.max(clock.nextFree, now) + piece.length * msPerByte
      queued += piece.length
      queue.push(piece, clock.nextFree)
    }

    return {
      write(item) {
        if (!Buffer.isBuffer(item)) {
          queue.push(item, queue.tail)
          return
        }
        if (context.protocol === 'udp') {
          // A datagram cannot be split; a full queue drops it as a router's tail drop would.
          if (queued + item.length > queueLimit) {
            context.count('packetsDropped')
            context.discard(item)
            return
          }
          send(item)
          return
        }
        for (let offset = 0; offset < item.length; offset += pieceBytes) {
          send(offset === 0 && item.length <= pieceBytes ? item : item.subarray(offset, offset + pieceBytes))
        }
      },
      release: () => queue.release(),
    }
  },
}
