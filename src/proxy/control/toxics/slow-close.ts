import { common, type ToxicType, timerValue } from './toxic.js'

/** slow_close: hold the close back by `delay` ms after the data. */
export const slowCloseToxic: ToxicType = {
  type: 'slow_close',
  defaults: { delay: 0 },
  toImpairment: (a, s) => ({ kind: 'slowClose', delayMs: timerValue(a.delay), ...common(s) }),
}
