import type { ImpairmentModule } from '../impairment.js'
import type { CutoffImpairment } from '../types.js'
import { byteBudgetStage } from './byte-budget.js'
import { integer } from './params.js'

/** Close the connection after forwarding afterBytes (the lab's cutoff mode: upstream by default). */
export const cutoff: ImpairmentModule<CutoffImpairment> = {
  kind: 'cutoff',
  protocols: ['tcp'],
  defaultDirection: 'upstream',
  normalize(input) {
    return { ...input, afterBytes: integer('cutoff.afterBytes', input.afterBytes, 0) }
  },
  stage: (params, context) => byteBudgetStage(params.afterBytes, 'cutoff', context),
}
