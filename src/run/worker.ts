// The one tinypool entry of every workload: loads the workload's worker side, wires its recorder
// and stop signal to the task's port, and returns a classified result instead of throwing.
import { classifyError } from '../errors/kinds.js'
import { closeLoadedTransports } from '../transport/index.js'
import type { MainMessage, TaskMessage, TaskResult, WorkerMessage } from './protocol.js'
import { IntervalRecorder } from './recorder.js'
import type { WorkerSide } from './workload.js'

/** Run one task of a workload in this worker thread. */
export default async function runTask(message: TaskMessage): Promise<TaskResult> {
  const { port } = message
  const controller = new AbortController()
  port.on('message', (m: MainMessage) => {
    if (m.type !== 'stop') return
    controller.abort(new Error(m.reason))
    // Cut what is in flight too: the run is being torn down, and its sockets must be closed
    // before the thread is.
    void closeLoadedTransports().catch(() => undefined)
  })
  const recorder = new IntervalRecorder(port, message.runStartedAt, message.sampleIntervalMs)
  try {
    const side = (await import(message.workload)).default as WorkerSide<unknown, unknown>
    port.postMessage({ type: 'ready' } satisfies WorkerMessage)
    const partial = await side.run(message.task, controller.signal, recorder, {
      index: message.index,
      runStartedAt: message.runStartedAt,
    })
    return { type: 'done', partial }
  } catch (error) {
    return {
      type: 'error',
      kind: classifyError(error),
      message: error instanceof Error ? error.message : String(error),
    }
  } finally {
    await closeLoadedTransports().catch(() => undefined)
    recorder.close()
    port.postMessage({ type: 'end' } satisfies WorkerMessage)
    port.close()
  }
}
