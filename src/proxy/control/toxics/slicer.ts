import { common, type ToxicType } from './toxic.js'

/** slicer: cut data into pieces of `average_size` +/- `size_variation` bytes, `delay` µs apart. */
export const slicerToxic: ToxicType = {
  type: 'slicer',
  defaults: { average_size: 0, size_variation: 0, delay: 0 },
  timers: { delay: 1000 },
  check(a) {
    if (a.average_size! < 1) return `attributes.average_size must be at least 1 byte, got ${a.average_size}`
    if (a.size_variation! >= a.average_size!) {
      return `attributes.size_variation must be less than average_size (${a.average_size}), got ${a.size_variation}`
    }
    return undefined
  },
  toImpairment: (a, s) => ({
    kind: 'slicer',
    averageSize: a.average_size!,
    sizeVariation: a.size_variation!,
    delayUs: a.delay!,
    ...common(s),
  }),
}
