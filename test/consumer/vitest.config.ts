import quicksand from 'quicksand/plugin'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  plugins: [quicksand()],
  test: {
    include: ['vitest/**/*.test.ts'],
    testTimeout: 30_000,
    // quicksand's reporter adds to Vitest's own; it writes quicksand-report/index.html.
    reporters: ['default', 'quicksand/reporter'],
  },
})
