import { atLeastZero, common, type ToxicType, timerValue } from './toxic.js'

/**
 * slicer: cut data into pieces of `average_size` +/- `size_variation` bytes, `delay` µs apart.
 * toxiproxy takes any sizes (its recursive cut never ends for average_size 0); here pieces are at least
 * one byte and the variation stays below the average, which is the cut toxiproxy means.
 */
export const slicerToxic: ToxicType = {
  type: 'slicer',
  defaults: { average_size: 0, size_variation: 0, delay: 0 },
  toImpairment(a, s) {
    const averageSize = Math.max(1, atLeastZero(a.average_size))
    return {
      kind: 'slicer',
      averageSize,
      sizeVariation: Math.min(atLeastZero(a.size_variation), averageSize - 1),
      delayUs: timerValue(a.delay, 1000),
      ...common(s),
    }
  },
}
