import { common, type ToxicType } from './toxic.js'

/** slow_close: hold the close back by `delay` ms after the data. */
export const slowCloseToxic: ToxicType = {
  type: 'slow_close',
  defaults: { delay: 0 },
  timers: { delay: 1 },
  toImpairment: (a, s) => ({ kind: 'slowClose', delayMs: a.delay!, ...common(s) }),
}
