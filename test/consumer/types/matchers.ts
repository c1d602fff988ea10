// Compiled, never run: the matchers are typed on quicksand/vitest's expect, on Vitest's own
// expect (through the plugin's types), and a wrong argument is a type error.
import type { LoadReport } from 'quicksand'
import { expect } from 'quicksand/vitest'
import { expect as vitestExpect } from 'vitest'
import 'quicksand/plugin'

export function typed(report: LoadReport): void {
  expect(report).toPassVerdict()
  expect(report).toHaveNoChannelLeaks()
  expect(report).not.toStayUnderAckP95(50)
  vitestExpect(report).toStayUnderAckP95(0.5)
  // @ts-expect-error the limit is a number of milliseconds
  expect(report).toStayUnderAckP95('fast')
  // The failover, migration, throughput, distribution and resource matchers.
  expect(report).toStayUnderAckP99(80)
  expect(report).toFailOverWithin(25)
  expect(report).toMigrateAwayFrom('quic://127.0.0.1:4000')
  vitestExpect(report).not.toMigrateAwayFrom({ url: 'tcp://127.0.0.1:4001' })
  expect(report).toSustainThroughput(100)
  expect(report).toSpreadEvenly()
  vitestExpect(report).toStayWithinResources({ heapDeltaMb: 64, activeResourceDelta: 20, openFdDelta: 20 })
  // @ts-expect-error the limits are named: heapDeltaMb, activeResourceDelta, openFdDelta
  expect(report).toStayWithinResources({ heap: 64 })
}
