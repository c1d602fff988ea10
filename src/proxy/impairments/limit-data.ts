import type { ImpairmentModule } from '../impairment.js'
import type { LimitDataImpairment } from '../types.js'
import { byteBudgetStage } from './byte-budget.js'
import { integer } from './params.js'

/** Close the connection once `bytes` went through (toxiproxy's limit_data: downstream by default). */
export const limitData: ImpairmentModule<LimitDataImpairment> = {
  kind: 'limitData',
  protocols: ['tcp'],
  defaultDirection: 'downstream',
  normalize(input) {
    return { ...input, bytes: integer('limitData.bytes', input.bytes, 0) }
  },
  stage: (params, context) => byteBudgetStage(params.bytes, 'limit-data', context),
}
