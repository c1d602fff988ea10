import { common, type ToxicType } from './toxic.js'

/** timeout: pass nothing; close after `timeout` ms, or hold the data until removed when it is 0. */
export const timeoutToxic: ToxicType = {
  type: 'timeout',
  defaults: { timeout: 0 },
  timers: { timeout: 1 },
  toImpairment: (a, s) => ({ kind: 'stall', timeoutMs: a.timeout!, ...common(s) }),
}
