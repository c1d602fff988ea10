import type { ImpairmentModule, Item } from '../impairment.js'
import type { Duration } from '../types.js'
import type { ImpairmentCommon } from './common.js'
import { duration } from './params.js'

/** TCP: reset both sides (RST) after timeoutMs (0 = at once), as toxiproxy's reset_peer. */
export interface ResetImpairment extends ImpairmentCommon {
  kind: 'reset'
  timeoutMs?: Duration
}

/** Reset the connection (RST both ways) after timeoutMs, as toxiproxy's reset_peer: bytes meanwhile are held, not forwarded. */
export const reset: ImpairmentModule<ResetImpairment> = {
  kind: 'reset',
  protocols: ['tcp'],
  fields: { timeoutMs: true },
  defaultDirection: 'downstream',
  normalize(input) {
    return { ...input, timeoutMs: duration('reset.timeoutMs', input.timeoutMs, 0) }
  },
  stage(params, context) {
    // A timer even for 0, so the reset lands after the connection is fully set up.
    const timer = setTimeout(() => context.terminate('reset', 'reset'), params.timeoutMs as number)
    const held: Item[] = []
    return {
      write: (item) => held.push(item),
      release() {
        clearTimeout(timer)
        return held.splice(0)
      },
    }
  },
}
