import { common, type ToxicType, timerValue } from './toxic.js'

/** latency: delay all data by `latency` ms +/- `jitter` ms (uniform). */
export const latencyToxic: ToxicType = {
  type: 'latency',
  defaults: { latency: 0, jitter: 0 },
  toImpairment: (a, s) => ({
    kind: 'latency',
    ms: timerValue(a.latency),
    jitterMs: timerValue(a.jitter),
    distribution: 'uniform',
    ...common(s),
  }),
}
