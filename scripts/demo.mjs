#!/usr/bin/env node
// `npm run demo`: runs the example scenarios in test/scenarios/, prints a per-scenario summary and
// writes the HTML report (quicksand-report/index.html; the reporter prints where).
import { spawnSync } from 'node:child_process'

const result = spawnSync(
  process.execPath,
  [
    'node_modules/vitest/vitest.mjs',
    'run',
    'test/scenarios',
    '--reporter=./scripts/demo-reporter.mjs',
    '--reporter=./dist/reporter/index.js',
  ],
  { stdio: 'inherit' },
)
process.exit(result.status ?? 1)
