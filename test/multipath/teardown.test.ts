import { expect, test } from 'vitest'
import { refused, runTeardownSuite } from '../helpers/teardown-suite.js'

test('fabric.multipath() stops its node and proxies when a test passes, fails or times out', async () => {
  const { status, stdout, output, entries } = runTeardownSuite(
    'fixtures/suites/multipath-teardown/vitest.config.ts',
  )
  expect(status, output).toBe(1)
  expect(stdout, output).toMatch(/2 failed \| 1 passed/)
  expect(output).toMatch(/Test timed out in 6000ms/)
  const ports = entries.flatMap((e) => (e.tcpPorts as number[] | undefined) ?? [])
  expect(ports).toHaveLength(12)
  for (const port of ports) expect(await refused(port)).toBe(true)
  expect(entries.find((e) => e.test === 'passes')?.bytes).toBeGreaterThan(0)
  const last = entries.find((e) => e.test === 'afterAll')
  expect(last?.leftover, JSON.stringify(last?.resources)).toBeLessThanOrEqual(0)
}, 150_000)
