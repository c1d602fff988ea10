import { writeFile } from 'node:fs/promises'
import { type RunOptions, runWorkload } from '../run/runner.js'
import type { LoadConfig } from './config.js'
import type { LoadReport } from './types.js'
import { loadWorkload } from './workload.js'

export type { RunOptions } from '../run/runner.js'

/**
 * Run a load against fabric targets from tinypool worker threads and return the report with its
 * verdict; with `reportPath` the report is also written there as indented JSON.
 */
export async function runLoad(config: LoadConfig, options: RunOptions = {}): Promise<LoadReport> {
  const report = await runWorkload(loadWorkload, config, options)
  const path = report.config.reportPath
  if (path !== undefined) await writeFile(path, `${JSON.stringify(report, null, 2)}\n`)
  return report
}
