/** What a scheduler sees of a usable path. */
export interface PathView {
  readonly index: number
  /** Smoothed round trip (ms); Infinity until measured. */
  readonly rttMs: number
  /** Payload bytes sent on the path and not yet acknowledged. */
  readonly inFlightBytes: number
  /** Acknowledged payload bytes per second, smoothed. */
  readonly goodputBps: number
}

/** Chooses the paths a new data frame goes out on. */
export interface Scheduler {
  readonly name: string
  /** `usable` is non-empty; `bytes` is the frame's payload size. Returns one path, or several to send the frame on each. */
  pick(usable: readonly PathView[], bytes: number): PathView[]
}
