import type { ImpairmentModule } from '../impairment.js'
import type { Duration } from '../types.js'
import type { ImpairmentCommon } from './common.js'
import { duration } from './params.js'

/** TCP: wait before dialling the target, as the lab's delay mode. */
export interface PredialImpairment extends ImpairmentCommon {
  kind: 'predial'
  ms: Duration
}

/** Delay before dialling the target (the lab's delay mode): admits each connection late. */
export const predial: ImpairmentModule<PredialImpairment> = {
  kind: 'predial',
  protocols: ['tcp'],
  fields: { ms: true },
  defaultDirection: null,
  normalize(input) {
    return { ...input, ms: duration('predial.ms', input.ms) }
  },
  admit: (params) => ({ verdict: 'admit', delayMs: params.ms as number }),
}
