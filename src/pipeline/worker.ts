// The entry of every pipeline thread: the generator, each hop and the sink.
import { parentPort, workerData } from 'node:worker_threads'
import { runGenerator } from './generator.js'
import { runHop } from './hop.js'
import type { PipelineWorkerData } from './protocol.js'
import { runSink } from './sink.js'

const data = workerData as PipelineWorkerData
const port = parentPort!
try {
  if (data.role === 'generator') runGenerator(data, port)
  else if (data.role === 'hop') runHop(data, port)
  else runSink(data, port)
} catch (error) {
  port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) })
}
