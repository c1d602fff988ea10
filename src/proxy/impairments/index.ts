import type { ImpairmentModule } from '../impairment.js'
import { type BandwidthImpairment, bandwidth } from './bandwidth.js'
import { type CorruptImpairment, corrupt } from './corrupt.js'
import { type CutoffImpairment, cutoff } from './cutoff.js'
import { type DuplicateImpairment, duplicate } from './duplicate.js'
import { type LatencyImpairment, latency } from './latency.js'
import { type LimitDataImpairment, limitData } from './limit-data.js'
import { type LossImpairment, loss } from './loss.js'
import { type OutageImpairment, outage } from './outage.js'
import { type PredialImpairment, predial } from './predial.js'
import { type ReorderImpairment, reorder } from './reorder.js'
import { type ResetImpairment, reset } from './reset.js'
import { type SlicerImpairment, slicer } from './slicer.js'
import { type SlowCloseImpairment, slowClose } from './slow-close.js'
import { type StallImpairment, stall } from './stall.js'

/** Every impairment a proxy accepts. */
export type Impairment =
  | OutageImpairment
  | BandwidthImpairment
  | LatencyImpairment
  | PredialImpairment
  | CutoffImpairment
  | ResetImpairment
  | SlowCloseImpairment
  | StallImpairment
  | SlicerImpairment
  | LimitDataImpairment
  | LossImpairment
  | ReorderImpairment
  | DuplicateImpairment
  | CorruptImpairment

export type ImpairmentKind = Impairment['kind']

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
