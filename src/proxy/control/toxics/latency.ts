import { common, type ToxicType } from './toxic.js'

/** latency: delay all data by `latency` ms +/- `jitter` ms (uniform). */
export const latencyToxic: ToxicType = {
  type: 'latency',
  defaults: { latency: 0, jitter: 0 },
  timers: { latency: 1, jitter: 1 },
  toImpairment: (a, s) => ({
    kind: 'latency',
    ms: a.latency!,
    jitterMs: a.jitter!,
    distribution: 'uniform',
    ...common(s),
  }),
}
