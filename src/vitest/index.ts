import { test as baseTest, expect } from 'vitest'
import { createFabricFixture, type FabricFixture } from '../fabric/fixture.js'
import { type ReportSummary, summarizeReport } from '../load/summary.js'
import { matchers } from '../matchers/index.js'
import { createProxyFixture, type ProxyFixture, seedFromName } from '../proxy/fixture.js'

expect.extend(matchers)

/** Fixtures quicksand adds to Vitest's test context. */
export interface QuicksandFixtures {
  fabric: FabricFixture
  proxy: ProxyFixture
}

/**
 * Vitest's `test` with the `fabric` and `proxy` fixtures. Everything a fixture starts is stopped
 * after the test, whether it passed, failed or timed out.
 */
export const test = baseTest.extend<QuicksandFixtures>({
  fabric: async ({ task }, use) => {
    // Each report's headline figures go into the test's metadata, for reporters to show.
    const meta = task.meta as { quicksand?: ReportSummary[] }
    const fabric = createFabricFixture({
      onReport: (report) => {
        meta.quicksand ??= []
        meta.quicksand.push(summarizeReport(report))
      },
    })
    try {
      await use(fabric)
    } finally {
      await fabric.closeAll()
    }
  },
  proxy: async ({ task }, use) => {
    const proxy = createProxyFixture(seedFromName(task.name))
    try {
      await use(proxy)
    } finally {
      await proxy.closeAll()
    }
  },
})

export const it = test
export { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest'
// Brings the matcher types onto Vitest's Assertion for every file that imports this entry.
export type { QuicksandMatchers } from '../matchers/vitest-types.js'
export type { FabricFixture, ProxyFixture }
export { expect }
