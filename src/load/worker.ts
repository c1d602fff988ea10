import type { WorkerPartial } from './collector.js'
import { StreamRunner, type WorkerTask } from './stream-runner.js'

/** tinypool entry: run one worker's share of a load run and return its tally. */
export default async function runWorkerTask(task: WorkerTask): Promise<WorkerPartial> {
  return new StreamRunner(task).run()
}
