import type { ImpairmentModule, Item } from '../impairment.js'
import type { StallImpairment } from '../types.js'
import { duration } from './params.js'

/**
 * Forward nothing, as toxiproxy's timeout toxic: with timeoutMs 0 the bytes wait until the stall
 * is removed; otherwise the connection is closed after timeoutMs.
 */
export const stall: ImpairmentModule<StallImpairment> = {
  kind: 'stall',
  protocols: ['tcp'],
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
