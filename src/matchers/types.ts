/**
 * quicksand's matchers as they appear on `expect(report)`. `R` is what a matcher call returns
 * in the host framework (`void`, or a promise under `.resolves`/`.rejects`).
 */
export interface QuicksandMatchers<R = unknown> {
  /** The report's verdict is `pass`; on failure prints every verdict reason. */
  toPassVerdict(): R
  /** Every channel opened was closed, overall and per target. */
  toHaveNoChannelLeaks(): R
  /** The run's frame ACK p95 is at or under `ms` milliseconds (fractions allowed). */
  toStayUnderAckP95(ms: number): R
  /** The run's stream setup p95 is at or under `ms` milliseconds (fractions allowed). */
  toStayUnderSetupP95(ms: number): R
  /** Some verdict reason starts with `prefix`, e.g. `'channel_leaks'`. */
  toHaveVerdictReason(prefix: string): R
  /** The run's frame ACK p99 is at or under `ms` milliseconds. */
  toStayUnderAckP99(ms: number): R
  /** Streams that failed over recovered within `ms` at p95 (failoverRecoveryP95Ms); some stream must have failed over. */
  toFailOverWithin(ms: number): R
  /** Some stream migrated off `target` (a node, proxy or URL) after a slow ACK. */
  toMigrateAwayFrom(target: { url: string } | string): R
  /** The run's throughput is at least `mbps` megabits per second. */
  toSustainThroughput(mbps: number): R
  /** The reference's distribution rules find streams, bytes and route pressure spread evenly. */
  toSpreadEvenly(): R
  /** Heap growth (MiB), active resources and open fds added over the run stay within the given limits. */
  toStayWithinResources(limits: {
    heapDeltaMb?: number
    activeResourceDelta?: number
    openFdDelta?: number
  }): R
  /** A traffic run lost nothing: Sent == Received and Dropped == 0. */
  toLoseNoPackets(): R
  /** At most `maxFailed` (default 0) established connections of a traffic run failed. */
  toKeepConnections(options?: { maxFailed?: number }): R
  /** The kernel counted at most `max` retransmits over a traffic run's connections. */
  toStayUnderRetransmits(max: number): R
  /** Every disturbance of a traffic run recovered within `ms` milliseconds. */
  toRecoverWithin(ms: number): R
  /** A pipeline's accounting balances: unexplainedLoss is 0; on failure prints the per-hop table. */
  toConservePackets(): R
  /** A pipeline dropped packets only at these places ('hop2.bufExhaust', 'impair1', ...) and lost none unexplained. */
  toDropOnlyAt(...places: string[]): R
  /** A pipeline delivered at least `pps` packets per second. */
  toSustainPps(pps: number): R
  /** A relay lab check matrix is PASS by the lab's rule; the message prints the check table. */
  toPassCheckMatrix(): R
  /** A multipath load lost a path yet every stream succeeded and no ACK gap passed `maxStallMs`. */
  toSurvivePathLoss(options: { maxStallMs: number }): R
  /** Exactly `count` paths carried data (a load report's multipath connections, or one connection's stats()). */
  toUsePaths(count: number): R
}
