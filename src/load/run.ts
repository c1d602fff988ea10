import { type RunOptions, runWorkload } from '../run/runner.js'
import type { LoadConfig } from './config.js'
import type { LoadReport } from './types.js'
import { loadWorkload } from './workload.js'

export type { RunOptions } from '../run/runner.js'

/** Run a load against fabric targets from tinypool worker threads and return the report with its verdict. */
export function runLoad(config: LoadConfig, options: RunOptions = {}): Promise<LoadReport> {
  return runWorkload(loadWorkload, config, options)
}
