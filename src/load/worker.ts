import type { WorkerSide } from '../run/workload.js'
import type { WorkerPartial } from './collector.js'
import { StreamRunner, type WorkerTask } from './stream-runner.js'

/** The load workload's worker side: run one worker's share of the streams and return its tally. */
const loadWorker: WorkerSide<WorkerTask, WorkerPartial> = {
  run: (task, signal, recorder) => new StreamRunner(task, signal, recorder).run(),
}

export default loadWorker
