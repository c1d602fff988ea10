// The entry of every pipeline thread: the generator, each hop and the sink.
import { parentPort, workerData } from 'node:worker_threads'
import { runGenerator } from './generator.js'
import { type HopControl, startHop } from './hop.js'
import type { HopData, PipelineWorkerData, ToWorker } from './protocol.js'
import { runSink } from './sink.js'

const data = workerData as PipelineWorkerData
const port = parentPort!
try {
  if (data.role === 'generator') runGenerator(data, port)
  else if (data.role === 'hop') runHop(data)
  else runSink(data, port)
} catch (error) {
  port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) })
}

/** A hop thread: its sockets, driven by the test's thread over the port. */
function runHop(hopData: HopData): void {
  const hop: HopControl = startHop(hopData)
  port.on('message', (message: ToWorker) => {
    if (message.type === 'stats') port.postMessage({ type: 'stats', counters: hop.counters() })
    else if (message.type === 'close') void hop.close().then(() => port.postMessage({ type: 'closed' }))
  })
  hop.ready.then(
    (ready) => port.postMessage({ type: 'ready', ...ready }),
    (error: Error) => port.postMessage({ type: 'failed', message: error.message }),
  )
}
