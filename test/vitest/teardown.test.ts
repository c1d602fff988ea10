import { expect, test } from 'vitest'
import { expectTornDown, runTeardownSuite } from '../helpers/teardown-suite.js'

test('fixtures stop what they started when a test passes, fails or times out', async () => {
  const run = runTeardownSuite('fixtures/suites/teardown/vitest.config.ts')
  await expectTornDown(run, { timeoutMs: 1500, portsField: 'ports', ports: 6 })
  expect(run.entries.find((e) => e.test === 'passes')?.bytes).toBe(10 * 64 * 1024)
  // The load cut off by the timeout says what happened, not tinypool's "The task has been aborted".
  expect(run.entries.find((e) => e.test === 'aborted load')).toMatchObject({
    kind: 'aborted',
    message: 'load aborted: the test ended while it ran',
  })
}, 150_000)
