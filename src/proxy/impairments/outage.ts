import { ImpairmentError } from '../errors.js'
import type { ImpairmentModule } from '../impairment.js'
import type { ImpairmentCommon } from './common.js'
import { flag, oneOf } from './params.js'

/** Target unreachable. TCP: 'refuse' closes each new connection at once, 'blackhole' accepts and swallows. UDP: blackhole only. */
export interface OutageImpairment extends ImpairmentCommon {
  kind: 'outage'
  /** Default 'refuse' for TCP, 'blackhole' for UDP. */
  mode?: 'refuse' | 'blackhole'
  /** Also cut connections already open when the outage starts (refuse: close them; blackhole: swallow their bytes). Default false. */
  cutExisting?: boolean
}

/** Target unreachable: refuses or blackholes each new connection or flow; it has no per-way stage. */
export const outage: ImpairmentModule<OutageImpairment> = {
  kind: 'outage',
  protocols: ['tcp', 'udp'],
  fields: { mode: true, cutExisting: true },
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
  admit: (params) => ({ verdict: params.mode === 'refuse' ? 'refuse' : 'blackhole' }),
  existing(params) {
    if (!params.cutExisting) return 'keep'
    return params.mode === 'refuse' ? 'close' : 'blackhole'
  },
}
