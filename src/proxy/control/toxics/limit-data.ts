import { atLeastZero, common, type ToxicType } from './toxic.js'

/** limit_data: close the connection once `bytes` bytes went through the stream. */
export const limitDataToxic: ToxicType = {
  type: 'limit_data',
  defaults: { bytes: 0 },
  toImpairment: (a, s) => ({ kind: 'limitData', bytes: atLeastZero(a.bytes), ...common(s) }),
}
