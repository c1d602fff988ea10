// The fields and directions every impairment shares.

/**
 * Which way an impairment acts. 'upstream' is client -> target, 'downstream' is target -> client
 * (toxiproxy's stream names). Impairments without a direction default to 'downstream' as in
 * toxiproxy, except `cutoff`, which defaults to 'upstream' as the lab's cutoff mode does.
 */
export type Direction = 'upstream' | 'downstream' | 'both'

/** Fields every impairment may carry. */
export interface ImpairmentCommon {
  /** Unique per proxy; defaults to `${kind}_${direction}` as toxiproxy names toxics. */
  name?: string
  /** Ignored by connection-level impairments (outage, predial). */
  direction?: Direction
  /** Probability 0..1 that a connection (TCP) or a client flow (UDP) is affected. Default 1. */
  toxicity?: number
}
