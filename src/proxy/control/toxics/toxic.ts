// The interface every toxiproxy toxic type implements: its attributes in toxiproxy's units and how it
// becomes a quicksand impairment. One module per toxic, as toxiproxy keeps them.
import { MAX_TIMER_MS } from '../../../errors/field-error.js'
import type { Impairment } from '../../types.js'

/** A toxic's attributes: toxiproxy sends them all as integers. */
export type ToxicAttributes = Record<string, number>

/** What a toxic carries besides its attributes. */
export interface ToxicSettings {
  name: string
  stream: 'upstream' | 'downstream'
  toxicity: number
}

/** One toxiproxy toxic type. */
export interface ToxicType {
  /** toxiproxy's type name, e.g. 'latency'. */
  readonly type: string
  /** Every attribute with the value toxiproxy uses when it is left out (Go's zero value). */
  readonly defaults: Readonly<ToxicAttributes>
  /** The impairment doing the same; null when the attributes make the toxic a no-op (bandwidth rate 0). */
  toImpairment(attributes: ToxicAttributes, settings: ToxicSettings): Impairment | null
}

/** The fields every impairment built from a toxic carries. */
export function common(settings: ToxicSettings): {
  name: string
  direction: 'upstream' | 'downstream'
  toxicity: number
} {
  // toxiproxy compares a random draw in [0, 1) with any toxicity, so 2 always acts and -1 never does.
  const toxicity = Math.min(1, Math.max(0, settings.toxicity))
  return { name: settings.name, direction: settings.stream, toxicity }
}

/** A count as an impairment takes it: toxiproxy accepts negative values and treats them as 0. */
export function atLeastZero(value: number | undefined): number {
  return Math.max(0, value ?? 0)
}

/**
 * A time in `perMs` units per ms (1 for ms, 1000 for µs) as a timer takes it: negative is 0, as Go's
 * time.After fires at once, and anything past MAX_TIMER_MS is held at it, since Node would fire a
 * longer timer at once while Go waits (24 days is as good as forever for a test).
 */
export function timerValue(value: number | undefined, perMs = 1): number {
  return Math.min(atLeastZero(value), MAX_TIMER_MS * perMs)
}
