// The toxic types the toxiproxy-compatible API accepts, and the checks on a toxic's attributes.
import { MAX_TIMER_MS } from '../../../errors/field-error.js'
import { bandwidthToxic } from './bandwidth.js'
import { latencyToxic } from './latency.js'
import { limitDataToxic } from './limit-data.js'
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
  ].map((t) => [t.type, t] as const),
)

/**
 * Checks `input` as the attributes of a `toxic` and merges it over `base` (the defaults on create, the
 * current attributes on update). Returns the merged attributes, or the message of the first broken rule.
 */
export function mergeAttributes(
  toxic: ToxicType,
  input: unknown,
  base: Readonly<ToxicAttributes>,
): { attributes: ToxicAttributes } | { error: string } {
  const attributes: ToxicAttributes = { ...base }
  if (input !== undefined && input !== null) {
    if (typeof input !== 'object' || Array.isArray(input)) {
      return { error: `attributes must be an object, got ${JSON.stringify(input)}` }
    }
    for (const [key, value] of Object.entries(input)) {
      if (!(key in toxic.defaults)) {
        const known = Object.keys(toxic.defaults).join(', ')
        return { error: `attributes.${key} is not an attribute of ${toxic.type}; it takes ${known}` }
      }
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        return { error: `attributes.${key} must be an integer >= 0, got ${JSON.stringify(value)}` }
      }
      const perMs = toxic.timers?.[key]
      if (perMs !== undefined && value > MAX_TIMER_MS * perMs) {
        const unit = perMs === 1 ? 'ms' : 'µs'
        return {
          error: `attributes.${key} must be at most ${MAX_TIMER_MS * perMs} (${unit}; the longest timer), got ${value}`,
        }
      }
      attributes[key] = value
    }
  }
  const broken = toxic.check?.(attributes)
  return broken === undefined ? { attributes } : { error: broken }
}
