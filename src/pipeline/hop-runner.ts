import { type HopCounters, zeroHopCounters } from './config.js'

/** A hop as runPipeline drives it, whatever runs it: a worker thread, a child process or nothing of ours. */
export interface HopRunner {
  readonly name: string
  readonly host: string
  /** Port of its ingress socket. */
  readonly port: number
  /** The receive buffer its ingress socket got (0 when unknown). */
  readonly recvBufferBytes: number
  /** Whether its counters are known (false: its losses are the place `hop<N>.unobserved`). */
  readonly observed: boolean
  /** Kernel drops at its socket when it reports them itself (a hop in another namespace). */
  readonly kernelDrops?: number | undefined
  /** Rejects with an error naming the hop and how it ended if it stops by itself before close(). */
  readonly crashed: Promise<never>
  /** Its counters now. */
  stats(): Promise<HopCounters>
  /** Stop what the pipeline started for it. */
  close(): Promise<void>
}

const ZERO: HopCounters = zeroHopCounters()

/** A relay already running that the pipeline only sends through: nothing to start, nothing counted. */
export class AddressHop implements HopRunner {
  readonly recvBufferBytes = 0
  readonly observed = false
  /** Not ours: a relay we did not start is not watched, so this never settles. */
  readonly crashed = new Promise<never>(() => undefined)
  constructor(
    readonly name: string,
    readonly host: string,
    readonly port: number,
  ) {}

  /** Unknown: zeros. */
  stats(): Promise<HopCounters> {
    return Promise.resolve({ ...ZERO })
  }

  /** Not ours to stop. */
  close(): Promise<void> {
    return Promise.resolve()
  }
}
