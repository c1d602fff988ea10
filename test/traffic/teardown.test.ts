import { expect, test } from 'vitest'
import { refused, runTeardownSuite } from '../helpers/teardown-suite.js'

test('the echo and traffic fixtures stop what they started when a test passes, fails or times out', async () => {
  const { status, stdout, output, entries } = runTeardownSuite(
    'fixtures/suites/traffic-teardown/vitest.config.ts',
  )
  expect(status, output).toBe(1)
  expect(stdout, output).toMatch(/2 failed \| 1 passed/)
  expect(output).toMatch(/Test timed out in 6000ms/)
  const ports = entries.flatMap((e) => (e.tcpPorts as number[] | undefined) ?? [])
  expect(ports).toHaveLength(5)
  for (const port of ports) expect(await refused(port)).toBe(true)
  const passed = entries.find((e) => e.test === 'passes')
  expect(passed?.sent).toBeGreaterThan(0)
  expect(passed?.received).toBe(passed?.sent)
  const last = entries.find((e) => e.test === 'afterAll')
  expect(last?.leftover, JSON.stringify(last?.resources)).toBeLessThanOrEqual(0)
}, 150_000)
