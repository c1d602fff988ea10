import { expect, test } from 'vitest'
import { expectTornDown, runTeardownSuite } from '../helpers/teardown-suite.js'

test('fabric.multipath() stops its node and proxies when a test passes, fails or times out', async () => {
  const run = runTeardownSuite('fixtures/suites/multipath-teardown/vitest.config.ts')
  await expectTornDown(run, { timeoutMs: 6000, portsField: 'tcpPorts', ports: 12 })
  expect(run.entries.find((e) => e.test === 'passes')?.bytes).toBeGreaterThan(0)
}, 150_000)
