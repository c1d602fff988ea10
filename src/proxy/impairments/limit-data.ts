import type { ImpairmentModule } from '../impairment.js'
import { byteBudgetStage } from './byte-budget.js'
import type { ImpairmentCommon } from './common.js'
import { integer } from './params.js'

/** TCP: close the connection once this many bytes went through the direction, as toxiproxy's limit_data. */
export interface LimitDataImpairment extends ImpairmentCommon {
  kind: 'limitData'
  bytes: number
}

/**
 * Close the connection once `bytes` went through (toxiproxy's limit_data: downstream by default); the
 * limit is checked as data arrives, so with 0 an idle connection stays open until its first bytes.
 */
export const limitData: ImpairmentModule<LimitDataImpairment> = {
  kind: 'limitData',
  protocols: ['tcp'],
  fields: { bytes: true },
  defaultDirection: 'downstream',
  normalize(input) {
    return { ...input, bytes: integer('limitData.bytes', input.bytes, 0) }
  },
  stage: (params, context) => byteBudgetStage(params.bytes, 'limit-data', context, true),
}
