import { ImpairmentError } from '../errors.js'
import type { ImpairmentModule } from '../impairment.js'
import type { OutageImpairment } from '../types.js'
import { flag, oneOf } from './params.js'

/** Target unreachable. Acts on admission, so the proxy core applies it; it has no per-way stage. */
export const outage: ImpairmentModule<OutageImpairment> = {
  kind: 'outage',
  protocols: ['tcp', 'udp'],
  defaultDirection: null,
  normalize(input, protocol) {
    const mode = oneOf(
      'outage.mode',
      input.mode,
      ['refuse', 'blackhole'],
      protocol === 'tcp' ? 'refuse' : 'blackhole',
    )
    // A UDP proxy cannot refuse: there is no connection to close, datagrams can only vanish.
    if (protocol === 'udp' && mode !== 'blackhole') {
      throw new ImpairmentError('outage.mode', mode, "'blackhole' on a udp proxy")
    }
    return { ...input, mode, cutExisting: flag('outage.cutExisting', input.cutExisting, false) }
  },
}
