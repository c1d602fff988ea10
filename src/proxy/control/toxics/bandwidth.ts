import { common, type ToxicType } from './toxic.js'

/** Bits per second in one of toxiproxy's KB/s (it counts 1 KB as 1000 bytes). */
export const BITS_PER_KB = 8000

/** bandwidth: limit each connection to `rate` KB/s; rate 0 means no limit, as in toxiproxy. */
export const bandwidthToxic: ToxicType = {
  type: 'bandwidth',
  defaults: { rate: 0 },
  toImpairment: (a, s) =>
    a.rate! > 0
      ? { kind: 'bandwidth', bitsPerSecond: a.rate! * BITS_PER_KB, scope: 'connection', ...common(s) }
      : null,
}
