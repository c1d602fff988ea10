import { common, type ToxicType, timerValue } from './toxic.js'

/** timeout: pass nothing; close after `timeout` ms, or hold the connection until removed when it is 0 or less. */
export const timeoutToxic: ToxicType = {
  type: 'timeout',
  defaults: { timeout: 0 },
  toImpairment: (a, s) => ({ kind: 'stall', timeoutMs: timerValue(a.timeout), ...common(s) }),
}
