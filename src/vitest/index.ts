import { test as baseTest, expect, inject } from 'vitest'
import type { FabricFixture } from '../fabric/fixture.js'
import { fixtureNames, type QuicksandFixtures, runKindOf, TestScope } from '../fixtures.js'
import { type ReportSummary, summarizeReport } from '../load/summary.js'
import type { LoadReport } from '../load/types.js'
import { matchers } from '../matchers/index.js'
import type { ProxyFixture } from '../proxy/fixture.js'
import { PROGRESS_DIR_KEY, ProgressWriter } from '../reporter/progress.js'
import { earlierProxyEvents, RUN_DIR_KEY, writeRunFile } from '../reporter/run-file.js'

expect.extend(matchers)

/** The test's scope: its event bus and the fixtures it made (quicksand.events holds what happened). */
export interface QuicksandScope {
  quicksand: TestScope
}

type Fixture<T> = (context: QuicksandScope, use: (value: T) => Promise<void>) => Promise<void>

// Each public fixture takes its instance from the test's scope; the scope alone tears down, in
// the table's order, whether the test passed, failed or timed out.
const fromScope = Object.fromEntries(
  fixtureNames.map((name) => [
    name,
    (async ({ quicksand }, use) => use(quicksand.get(name))) as Fixture<unknown>,
  ]),
) as { [K in keyof QuicksandFixtures]: Fixture<QuicksandFixtures[K]> }

/**
 * Vitest's `test` with the `fabric`, `proxy`, `traffic` and `echo` fixtures. Everything a fixture starts is stopped
 * after the test, whether it passed, failed or timed out.
 */
export const test = baseTest.extend<QuicksandFixtures & QuicksandScope>({
  quicksand: async ({ task }, use) => {
    // Each report's headline figures go into the test's metadata, for reporters to show.
    const meta = task.meta as { quicksand?: ReportSummary[]; quicksandRunFiles?: string[] }
    // Set by quicksand/reporter: each full report goes to a file there, its path into the metadata.
    const runDir = (inject as (key: string) => string | undefined)(RUN_DIR_KEY)
    // Set by quicksand/reporter when its terminal is a TTY: long runs write their progress there.
    const progressDir = (inject as (key: string) => string | undefined)(PROGRESS_DIR_KEY)
    const progress = progressDir ? new ProgressWriter(progressDir, task.id, task.name) : undefined
    const scope: TestScope = new TestScope(
      task.name,
      (report) => {
        if (runKindOf(report) === 'load') {
          meta.quicksand ??= []
          meta.quicksand.push(summarizeReport(report as LoadReport))
        }
        if (runDir) {
          meta.quicksandRunFiles ??= []
          const earlier = earlierProxyEvents(scope.events.between(), report)
          const test = { id: task.id, name: task.name }
          meta.quicksandRunFiles.push(
            writeRunFile(runDir, test, meta.quicksandRunFiles.length, report, earlier),
          )
        }
      },
      (update) => progress?.update(update),
    )
    try {
      await use(scope)
    } finally {
      progress?.close()
      await scope.close()
    }
  },
  ...fromScope,
})

export const it = test
export { afterAll, afterEach, beforeAll, beforeEach, describe } from 'vitest'
export type { QuicksandFixtures } from '../fixtures.js'
// Brings the matcher types onto Vitest's Assertion for every file that imports this entry.
export type { QuicksandMatchers } from '../matchers/vitest-types.js'
export type { EchoFixture, TrafficFixture } from '../traffic/fixture.js'
export type { FabricFixture, ProxyFixture }
export { expect }
