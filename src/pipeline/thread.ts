import { Worker } from 'node:worker_threads'
import { RunError } from '../errors/kinds.js'
import type { FromWorker, GeneratorResult, PipelineWorkerData, ToWorker } from './protocol.js'

// From its TypeScript sources (quicksand's own tests) each thread registers tsx first, so it runs
// the sources under test; an installed package runs the built worker.js.
const FROM_SOURCES = import.meta.url.endsWith('.ts')
const ENTRY = new URL(FROM_SOURCES ? './source-worker.mjs' : './worker.js', import.meta.url)
const START_TIMEOUT_MS = 15_000
const CLOSE_TIMEOUT_MS = 2_000

/** One pipeline thread (generator, hop or sink) as the test's thread drives it. */
export class PipelineThread {
  private readonly pendingStats: ((counters: unknown) => void)[] = []
  private onDone: ((result: GeneratorResult) => void) | undefined
  private onClosed: (() => void) | undefined
  private failure: Error | undefined
  private readonly failed: Promise<never>
  private terminated = false
  private started = false
  /** Port of its socket (the ingress socket of a hop). */
  port = 0
  /** The receive buffer the kernel granted. */
  recvBufferBytes = 0

  private constructor(
    readonly name: string,
    private readonly worker: Worker,
  ) {
    this.failed = new Promise<never>((_, reject) => {
      const fail = (how: string) => {
        this.failure ??= new RunError(
          'internal',
          this.started ? `pipeline ${name} crashed mid-run: ${how}` : `pipeline ${name} failed: ${how}`,
        )
        reject(this.failure)
      }
      // An uncaught error in the thread: where it was thrown is the thread's "last output".
      worker.on('error', (error) => {
        const where = error.stack?.split('\n').find((line) => line.trimStart().startsWith('at '))
        fail(`${error.message}${where ? ` (${where.trim()})` : ''}`)
      })
      worker.on('exit', (code) => {
        if (!this.terminated) fail(`its thread exited with code ${code}`)
      })
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'failed') fail(message.message)
        else if (message.type === 'stats') this.pendingStats.shift()?.(message.counters)
        else if (message.type === 'done') this.onDone?.(message.result)
        else if (message.type === 'closed') this.onClosed?.()
      })
    })
    // Callers race this promise; an unobserved rejection must not crash the process.
    this.failed.catch(() => undefined)
  }

  /** Start a thread and wait until its socket is ready. */
  static async start(name: string, data: PipelineWorkerData): Promise<PipelineThread> {
    const thread = new PipelineThread(name, new Worker(ENTRY, { workerData: data }))
    try {
      const ready = await thread.race(
        new Promise<FromWorker & { type: 'ready' }>((resolve, reject) => {
          const timer = setTimeout(
            () =>
              reject(
                new RunError('run_timeout', `pipeline ${name} did not start within ${START_TIMEOUT_MS} ms`),
              ),
            START_TIMEOUT_MS,
          )
          thread.worker.on('message', (message: FromWorker) => {
            if (message.type === 'ready') {
              clearTimeout(timer)
              resolve(message)
            }
          })
        }),
      )
      thread.port = ready.port
      thread.recvBufferBytes = ready.recvBufferBytes
      thread.started = true
      return thread
    } catch (error) {
      await thread.close()
      throw error
    }
  }

  /** Rejects when the thread fails or ends by itself (not through close()). */
  get crashed(): Promise<never> {
    return this.failed
  }

  /** `promise`, or this thread's failure if it comes first. */
  race<T>(promise: Promise<T>): Promise<T> {
    return Promise.race([promise, this.failed])
  }

  private post(message: ToWorker): void {
    this.worker.postMessage(message)
  }

  /** Its counters now. */
  stats<T>(): Promise<T> {
    return this.race(
      new Promise<T>((resolve) => {
        this.pendingStats.push(resolve as (counters: unknown) => void)
        this.post({ type: 'stats' })
      }),
    )
  }

  /** Generator only: start sending and resolve with what was sent. */
  generate(): Promise<GeneratorResult> {
    const done = new Promise<GeneratorResult>((resolve) => {
      this.onDone = resolve
    })
    this.post({ type: 'start' })
    return this.race(done)
  }

  /** Close its sockets and end the thread (terminated if it does not answer in time). */
  async close(): Promise<void> {
    if (this.terminated) return
    if (this.failure === undefined) {
      const closed = new Promise<void>((resolve) => {
        this.onClosed = resolve
      })
      let timer: NodeJS.Timeout | undefined
      this.post({ type: 'close' })
      await Promise.race([
        closed,
        this.failed.catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)
        }),
      ])
      clearTimeout(timer)
    }
    this.terminated = true
    await this.worker.terminate()
  }
}
