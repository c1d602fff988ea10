import { expect, test } from 'vitest'
import { expectTornDown, runTeardownSuite } from '../helpers/teardown-suite.js'

test('the echo and traffic fixtures stop what they started when a test passes, fails or times out', async () => {
  const run = runTeardownSuite('fixtures/suites/traffic-teardown/vitest.config.ts')
  await expectTornDown(run, { timeoutMs: 6000, portsField: 'tcpPorts', ports: 5 })
  const passed = run.entries.find((e) => e.test === 'passes')
  expect(passed?.sent).toBeGreaterThan(0)
  expect(passed?.received).toBe(passed?.sent)
}, 150_000)
