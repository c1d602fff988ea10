import type { ImpairmentModule, Item } from '../impairment.js'
import type { ResetImpairment } from '../types.js'
import { duration } from './params.js'

/** Reset the connection (RST both ways) after timeoutMs, as toxiproxy's reset_peer: bytes meanwhile are held, not forwarded. */
export const reset: ImpairmentModule<ResetImpairment> = {
  kind: 'reset',
  protocols: ['tcp'],
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
