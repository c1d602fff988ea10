import { describeValue } from '../errors/field-error.js'
import type { MultipathStats } from '../multipath/connection.js'
import type { MatcherContext, MatcherResult } from './context.js'
import { isMultipathStats, multipathConnections } from './multipath-stats.js'
import { isLoadReport, matcherHeader, notALoadReport } from './report-guard.js'

const NAME = 'toUsePaths'

/**
 * Passes when the scheduler put new data on exactly `count` distinct paths (resends of late frames
 * on other paths do not count): over a load report's multipath connections, or one connection's stats().
 */
export function toUsePaths(this: MatcherContext, received: unknown, count: number): MatcherResult {
  if (!Number.isInteger(count) || count < 0) {
    throw new TypeError(`${NAME}: count must be a non-negative integer, got ${describeValue(count)}`)
  }
  let connections: MultipathStats[]
  if (isMultipathStats(received)) connections = [received]
  else if (isLoadReport(received)) connections = multipathConnections(received)
  else return notALoadReport(this, NAME, received, 'count')
  const carried = new Map<string, number>()
  for (const connection of connections) {
    for (const path of connection.paths)
      carried.set(path.label, (carried.get(path.label) ?? 0) + path.framesSent - path.retransmitted)
  }
  const used = [...carried].filter(([, frames]) => frames > 0)
  const pass = used.length === count
  const lines = [...carried].map(([label, frames]) => `  ${label}: ${frames} new frame(s) sent`)
  return {
    pass,
    message: () =>
      `${matcherHeader(this, NAME, 'count')}\n\n` +
      `Expected: ${this.utils.printExpected(`${pass ? 'not ' : ''}${count} path(s) carrying data`)}\n` +
      `Received: ${this.utils.printReceived(`${used.length} path(s) carrying data`)}\n\n` +
      `Paths:\n${lines.length > 0 ? lines.join('\n') : '  (no multipath connection)'}`,
  }
}
