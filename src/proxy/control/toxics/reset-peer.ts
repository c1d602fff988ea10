import { common, type ToxicType, timerValue } from './toxic.js'

/** reset_peer: reset the connection (RST) `timeout` ms after data arrives; 0 resets at once. */
export const resetPeerToxic: ToxicType = {
  type: 'reset_peer',
  defaults: { timeout: 0 },
  toImpairment: (a, s) => ({ kind: 'reset', timeoutMs: timerValue(a.timeout), ...common(s) }),
}
