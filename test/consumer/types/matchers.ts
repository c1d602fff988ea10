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
}
