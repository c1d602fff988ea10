import type { ImpairmentModule, Item } from '../impairment.js'
import type { Duration } from '../types.js'
import type { ImpairmentCommon } from './common.js'
import { duration } from './params.js'

/** TCP: reset both sides (RST) timeoutMs after the first data (0 = at once), as toxiproxy's reset_peer. */
export interface ResetImpairment extends ImpairmentCommon {
  kind: 'reset'
  timeoutMs?: Duration
}

/**
 * Reset the connection (RST both ways) timeoutMs after the first data arrives, as toxiproxy's
 * reset_peer: an idle pooled connection survives until it is used; bytes meanwhile are held.
 */
export const reset: ImpairmentModule<ResetImpairment> = {
  kind: 'reset',
  protocols: ['tcp'],
  fields: { timeoutMs: true },
  defaultDirection: 'downstream',
  normalize(input) {
    return { ...input, timeoutMs: duration('reset.timeoutMs', input.timeoutMs, 0) }
  },
  stage(params, context) {
    let timer: NodeJS.Timeout | undefined
    const held: Item[] = []
    return {
      write(item) {
        // A timer even for 0, so the reset never lands inside the write that started it.
        timer ??= setTimeout(() => context.terminate('reset', 'reset'), params.timeoutMs as number)
        held.push(item)
      },
      release() {
        clearTimeout(timer)
        return held.splice(0)
      },
    }
  },
}
