import { expect, test } from 'vitest'
import { refused, runTeardownSuite } from '../helpers/teardown-suite.js'

test('fixtures stop what they started when a test passes, fails or times out', async () => {
  const { status, stdout, output, entries } = runTeardownSuite('fixtures/suites/teardown/vitest.config.ts')
  expect(status, output).toBe(1)
  expect(stdout, output).toMatch(/2 failed \| 1 passed/)
  expect(output).toMatch(/Test timed out in 1500ms/)
  const ports = entries.flatMap((e) => (e.ports as number[] | undefined) ?? [])
  expect(ports).toHaveLength(6)
  for (const port of ports) expect(await refused(port)).toBe(true)
  expect(entries.find((e) => e.test === 'passes')?.bytes).toBe(10 * 64 * 1024)
  // The load cut off by the timeout says what happened, not tinypool's "The task has been aborted".
  expect(entries.find((e) => e.test === 'aborted load')).toMatchObject({
    kind: 'aborted',
    message: 'load aborted: the test ended while it ran',
  })
  const last = entries.find((e) => e.test === 'afterAll')
  expect(last?.leftover, JSON.stringify(last?.resources)).toBeLessThanOrEqual(0)
}, 150_000)
