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
