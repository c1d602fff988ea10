import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { RunError } from '../errors/kinds.js'
import { type HopCounters, zeroHopCounters } from './config.js'
import type { HopRunner } from './hop-runner.js'
import { parseStatsLine } from './stats-lines.js'

const READY_POLL_MS = 20
// SIGTERM first so a relay can print its final totals; SIGKILL if it does not exit in time.
const TERM_GRACE_MS = 2_000
const KILL_WAIT_MS = 2_000
// How long a crashed hop's last output lines are waited for.
const CRASH_OUTPUT_WAIT_MS = 500
// Output lines kept for an error message.
const TAIL_LINES = 8

/** How a child hop is started and when it counts as listening. */
export interface ChildHopOptions {
  /** 'hop 2 (forwarder.mjs)': how errors name it. */
  name: string
  /** The program and its arguments, already substituted. */
  argv: string[]
  env?: NodeJS.ProcessEnv
  host: string
  port: number
  startTimeoutMs: number
  /** True once it listens (polled), e.g. its port appears in /proc/net/udp or it printed `[READY]`. */
  listening: (hop: ChildHop) => boolean
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A hop running as a child process: fed at its port, observed through the `[STATS:` lines it prints. */
export class ChildHop implements HopRunner {
  readonly host: string
  readonly port: number
  recvBufferBytes = 0
  /** Whether it printed at least one `[STATS:` line. */
  observed = false
  /** Whether it printed a `[READY]` line (the built-in hop does, once it listens). */
  announcedReady = false
  /** Kernel drops at its socket, when its lines carry `kernel_drops=` (a hop in its own namespace). */
  kernelDrops: number | undefined
  private readonly counters: HopCounters = zeroHopCounters()
  private readonly tail: string[] = []
  private readonly outputRead: Promise<void>[] = []
  private readonly exited: Promise<void>
  private exit: string | undefined
  private closing: Promise<void> | undefined
  /** Rejects when it exits before close() asked it to: a crash mid-run. */
  readonly crashed: Promise<never>

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    options: ChildHopOptions,
  ) {
    this.host = options.host
    this.port = options.port
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = signal ? `was killed by ${signal}` : `exited with code ${code}`
        resolve()
      })
    })
    this.crashed = this.exited.then(async () => {
      if (this.closing) return new Promise<never>(() => undefined)
      // Its last lines may still be in the pipes when it exits: read them for the message (bounded).
      await Promise.race([Promise.all(this.outputRead), sleep(CRASH_OUTPUT_WAIT_MS)])
      throw this.failure(`crashed mid-run (${this.exit})`)
    })
    // Watched by the run; a hop that fails to start is reported by start() instead.
    this.crashed.catch(() => undefined)
    child.once('error', (error) => {
      this.exit ??= `could not start: ${error.message}`
    })
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue
      const reader = createInterface({ input: stream })
      reader.on('line', (line) => this.line(line))
      this.outputRead.push(new Promise((resolve) => reader.once('close', resolve)))
    }
  }

  /** Start the child and wait until it listens; on failure it is killed and reaped before the error. */
  static async start(options: ChildHopOptions): Promise<ChildHop> {
    const [program, ...args] = options.argv
    const child = spawn(program!, args, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env })
    const hop = new ChildHop(options.name, child, options)
    const deadline = performance.now() + options.startTimeoutMs
    try {
      for (;;) {
        // 'error' (e.g. ENOENT) arrives on a later tick; the exit check sees it either way.
        if (hop.exit !== undefined) throw hop.failure(`${hop.exit} before it listened`)
        if (options.listening(hop)) return hop
        if (performance.now() > deadline)
          throw hop.failure(`did not listen within ${options.startTimeoutMs} ms`)
        await sleep(READY_POLL_MS)
      }
    } catch (error) {
      await hop.close()
      throw error
    }
  }

  private failure(what: string): RunError {
    const output = this.tail.length > 0 ? `; its last output:\n${this.tail.join('\n')}` : ''
    return new RunError('internal', `pipeline ${this.name} ${what} on ${this.host}:${this.port}${output}`)
  }

  private line(line: string): void {
    this.tail.push(line)
    if (this.tail.length > TAIL_LINES) this.tail.shift()
    const counters = parseStatsLine(line)
    if (counters === undefined) {
      if (line.startsWith('[READY]')) {
        this.announcedReady = true
        this.recvBufferBytes = Number(/recv_buffer=(\d+)/.exec(line)?.[1] ?? 0)
      }
      return
    }
    const kernel = /\bkernel_drops=(\d+)/.exec(line)
    if (kernel) this.kernelDrops = Number(kernel[1])
    this.observed = true
    Object.assign(this.counters, counters)
  }

  /** The totals of its latest `[STATS:` lines. */
  stats(): Promise<HopCounters> {
    return Promise.resolve({ ...this.counters })
  }

  /** Whether it is still running. */
  get running(): boolean {
    return this.exit === undefined
  }

  /** Stop it (SIGTERM, then SIGKILL) and wait until it is reaped and its output read. */
  close(): Promise<void> {
    this.closing ??= this.stop()
    return this.closing
  }

  private async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined) {
      this.child.kill('SIGTERM')
      let timer: NodeJS.Timeout | undefined
      const late = await Promise.race([
        this.exited.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), TERM_GRACE_MS)
        }),
      ])
      clearTimeout(timer)
      if (late) {
        this.child.kill('SIGKILL')
        await Promise.race([this.exited, sleep(KILL_WAIT_MS)])
      }
    } else if (this.child.pid !== undefined) {
      await this.exited
    }
    // Its last lines (final totals printed on SIGTERM) are read once both pipes end.
    await Promise.race([Promise.all(this.outputRead), sleep(KILL_WAIT_MS)])
  }
}
