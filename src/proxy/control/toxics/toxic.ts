// The interface every toxiproxy toxic type implements: its attributes in toxiproxy's units and how it
// becomes a quicksand impairment. One module per toxic, as toxiproxy keeps them.
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
  /**
   * Attributes that end up in a timer, with their units per ms (1 for ms, 1000 for µs): each must stay
   * within MAX_TIMER_MS, since Node fires a longer timer at once.
   */
  readonly timers?: Readonly<Record<string, number>>
  /** A rule across attributes; returns the broken rule's message, or undefined when they are fine. */
  check?(attributes: ToxicAttributes): string | undefined
  /** The impairment doing the same; null when the attributes make the toxic a no-op (bandwidth rate 0). */
  toImpairment(attributes: ToxicAttributes, settings: ToxicSettings): Impairment | null
}

/** The fields every impairment built from a toxic carries. */
export function common(settings: ToxicSettings): {
  name: string
  direction: 'upstream' | 'downstream'
  toxicity: number
} {
  return { name: settings.name, direction: settings.stream, toxicity: settings.toxicity }
}
