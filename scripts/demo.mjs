#!/usr/bin/env node
// `npm run demo`: runs the example scenarios in test/scenarios/ and prints a per-scenario summary.
import { spawnSync } from 'node:child_process'

const result = spawnSync(
  process.execPath,
  ['node_modules/vitest/vitest.mjs', 'run', 'test/scenarios', '--reporter=./scripts/demo-reporter.mjs'],
  { stdio: 'inherit' },
)
process.exit(result.status ?? 1)
