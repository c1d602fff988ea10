/// <reference types="quicksand/vitest-types" />
// The line above types the matchers on Vitest's own expect, so this file type-checks in a
// tsconfig that includes only the tests (not vitest.config.ts, where the plugin is).
import { runLoad, startNode } from 'quicksand'
import { expect, test } from 'vitest'

// Vitest's own expect: the matchers come from the quicksand() plugin's setup file.
test('the plugin registers the matchers on the global expect', async () => {
  const node = await startNode({ transport: 'tcp' })
  try {
    const report = await runLoad({ targets: [node], streams: 8, bytesPerStream: 4096 })
    expect(report.bytesSent).toBe(8 * 4096)
    expect(report).toPassVerdict()
    expect(report).toHaveNoChannelLeaks()
  } finally {
    await node.stop()
  }
})
