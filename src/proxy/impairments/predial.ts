import type { ImpairmentModule } from '../impairment.js'
import type { PredialImpairment } from '../types.js'
import { duration } from './params.js'

/** Delay before dialling the target (the lab's delay mode); the TCP proxy core waits for it. */
export const predial: ImpairmentModule<PredialImpairment> = {
  kind: 'predial',
  protocols: ['tcp'],
  defaultDirection: null,
  normalize(input) {
    return { ...input, ms: duration('predial.ms', input.ms) }
  },
}
