import type { ImpairmentModule, Item } from '../impairment.js'
import type { Duration } from '../types.js'
import type { ImpairmentCommon } from './common.js'
import { duration } from './params.js'

/**
 * TCP: keep the connection open and forward nothing, as toxiproxy's timeout toxic.
 * timeoutMs 0 (default) holds the bytes until the stall is removed; otherwise the connection is closed after it.
 */
export interface StallImpairment extends ImpairmentCommon {
  kind: 'stall'
  timeoutMs?: Duration
}

/**
 * Forward nothing, as toxiproxy's timeout toxic: with timeoutMs 0 the bytes wait until the stall
 * is removed; otherwise the connection is closed after timeoutMs.
 */
export const stall: ImpairmentModule<StallImpairment> = {
  kind: 'stall',
  protocols: ['tcp'],
  fields: { timeoutMs: true },
  defaultDirection: 'downstream',
  normalize(input) {
    return { ...input, timeoutMs: duration('stall.timeoutMs', input.timeoutMs, 0) }
  },
  stage(params, context) {
    const held: Item[] = []
    const timeoutMs = params.timeoutMs as number
    const timer =
      timeoutMs > 0 ? setTimeout(() => context.terminate('timeout', 'close'), timeoutMs) : undefined
    return {
      write(item) {
        held.push(item)
      },
      release() {
        if (timer) clearTimeout(timer)
        return held.splice(0)
      },
    }
  },
}
