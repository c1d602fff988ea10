// Compiled, never run: importing quicksand/jest types the matchers on Jest's standalone expect.
import { expect } from 'expect'
import type { LoadReport } from 'quicksand'
import type {} from 'quicksand/jest'

export function typedForJest(report: LoadReport): void {
  expect(report).toPassVerdict()
  expect(report).not.toHaveNoChannelLeaks()
  // @ts-expect-error the limit is a number of milliseconds
  expect(report).toStayUnderAckP95('fast')
  expect(report).toStayUnderAckP99(80)
  expect(report).toFailOverWithin(25)
  expect(report).toMigrateAwayFrom('quic://127.0.0.1:4000')
  expect(report).toSustainThroughput(100)
  expect(report).not.toSpreadEvenly()
  expect(report).toStayWithinResources({ heapDeltaMb: 64 })
}
