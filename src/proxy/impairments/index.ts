import type { ImpairmentModule } from '../impairment.js'
import type { Impairment, ImpairmentKind } from '../types.js'
import { bandwidth } from './bandwidth.js'
import { corrupt } from './corrupt.js'
import { cutoff } from './cutoff.js'
import { duplicate } from './duplicate.js'
import { latency } from './latency.js'
import { limitData } from './limit-data.js'
import { loss } from './loss.js'
import { outage } from './outage.js'
import { predial } from './predial.js'
import { reorder } from './reorder.js'
import { reset } from './reset.js'
import { slicer } from './slicer.js'
import { slowClose } from './slow-close.js'
import { stall } from './stall.js'

/** Every impairment module, by kind. */
export const IMPAIRMENT_MODULES: {
  readonly [K in ImpairmentKind]: ImpairmentModule<Extract<Impairment, { kind: K }>>
} = {
  outage,
  bandwidth,
  latency,
  predial,
  cutoff,
  reset,
  slowClose,
  stall,
  slicer,
  limitData,
  loss,
  reorder,
  duplicate,
  corrupt,
}
