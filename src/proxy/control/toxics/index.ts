// The toxic types the toxiproxy-compatible API accepts, and the checks on a toxic's attributes.
import { goObject, readFields } from '../go-json.js'
import { bandwidthToxic } from './bandwidth.js'
import { latencyToxic } from './latency.js'
import { limitDataToxic } from './limit-data.js'
import { noopToxic } from './noop.js'
import { resetPeerToxic } from './reset-peer.js'
import { slicerToxic } from './slicer.js'
import { slowCloseToxic } from './slow-close.js'
import { timeoutToxic } from './timeout.js'
import type { ToxicAttributes, ToxicType } from './toxic.js'

export type { ToxicAttributes, ToxicSettings, ToxicType } from './toxic.js'

/** Every supported toxic type by its toxiproxy name. */
export const TOXIC_TYPES: ReadonlyMap<string, ToxicType> = new Map(
  [
    latencyToxic,
    bandwidthToxic,
    slowCloseToxic,
    timeoutToxic,
    resetPeerToxic,
    slicerToxic,
    limitDataToxic,
    noopToxic,
  ].map((t) => [t.type, t] as const),
)

/**
 * Reads `input` as the attributes of a `toxic` the way toxiproxy decodes them into its Go struct, over
 * `base` (the defaults on create, the current attributes on update): keys match case-insensitively,
 * unknown keys and nulls are skipped, and any integer is kept as given (negative ones included); the
 * impairment clamps what it cannot do. A value that is not an integer is a 400, as in toxiproxy.
 */
export function mergeAttributes(
  toxic: ToxicType,
  input: unknown,
  base: Readonly<ToxicAttributes>,
): ToxicAttributes {
  if (input === undefined || input === null) return { ...base }
  const where = `ToxicWrapper.attributes`
  const object = goObject(input, where)
  const types = Object.fromEntries(Object.keys(toxic.defaults).map((k) => [k, 'int64'] as const))
  return { ...base, ...(readFields(object, where, types) as ToxicAttributes) }
}
