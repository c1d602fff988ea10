import type { ImpairmentModule } from '../impairment.js'
import { byteBudgetStage } from './byte-budget.js'
import type { ImpairmentCommon } from './common.js'
import { integer } from './params.js'

/** TCP: close the connection after forwarding this many bytes in the direction (default upstream, as the lab's cutoff mode). */
export interface CutoffImpairment extends ImpairmentCommon {
  kind: 'cutoff'
  afterBytes: number
}

/** Close the connection after forwarding afterBytes (the lab's cutoff mode: upstream by default). */
export const cutoff: ImpairmentModule<CutoffImpairment> = {
  kind: 'cutoff',
  protocols: ['tcp'],
  fields: { afterBytes: true },
  defaultDirection: 'upstream',
  normalize(input) {
    return { ...input, afterBytes: integer('cutoff.afterBytes', input.afterBytes, 0) }
  },
  stage: (params, context) => byteBudgetStage(params.afterBytes, 'cutoff', context),
}
