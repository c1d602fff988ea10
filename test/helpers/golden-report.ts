import { readFileSync } from 'node:fs'
import type { LoadReport } from '../../src/load/types.js'

/** The golden passing report of fixtures/reports/pass.json (two tcp targets). */
export const golden = JSON.parse(
  readFileSync(new URL('../../fixtures/reports/pass.json', import.meta.url), 'utf8'),
) as LoadReport

/** The golden report's two target URLs. */
export const [TARGET_A, TARGET_B] = golden.config.targets as [string, string]
