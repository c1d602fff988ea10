// Probing targets before placement (probeTargets / maxTargetRttMs): the first worker PINGs every
// target over an established connection and publishes RTT and usability on a shared board; the
// other workers wait for the board, so every worker places streams on the same targets.
import { RunError } from '../errors/kinds.js'
import type { TargetProbe } from './types.js'

/** PINGs per target; the median of their RTTs is the target's. */
export const PROBE_PINGS = 3

/** The median of `values` (the lower middle for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0
}

/** Whether a probed target may carry streams: it answered, within maxTargetRttMs when that is set. */
export function probeUsable(probe: Omit<TargetProbe, 'usable'>, maxTargetRttMs: number): boolean {
  return probe.error === undefined && (maxTargetRttMs <= 0 || probe.rttMs <= maxTargetRttMs)
}

const PENDING = 0
const DONE = 1

/** Atomics.waitAsync (Node 16+), which the project's TypeScript lib (ES2022) does not declare. */
type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
  timeoutMs: number,
) => { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> }
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync

/** The run's probe results in shared memory: RTT and usability per target, and a done flag. */
export class ProbeBoard {
  private readonly rtt: Float64Array
  private readonly state: Int32Array

  /** Memory for `targets` results, to put in every worker's task. */
  static allocate(targets: number): SharedArrayBuffer {
    return new SharedArrayBuffer(8 * targets + 4 * (targets + 1))
  }

  constructor(buffer: SharedArrayBuffer) {
    const targets = (buffer.byteLength - 4) / 12
    this.rtt = new Float64Array(buffer, 0, targets)
    this.state = new Int32Array(buffer, 8 * targets, targets + 1)
  }

  /** Publish every probe and wake the waiting workers. */
  publish(probes: readonly TargetProbe[]): void {
    probes.forEach((probe, i) => {
      this.rtt[i] = probe.rttMs
      Atomics.store(this.state, i + 1, probe.usable ? 1 : 0)
    })
    Atomics.store(this.state, 0, DONE)
    Atomics.notify(this.state, 0)
  }

  /** Wait (at most `limitMs`) for the first worker's probes: usable target indexes and RTTs. */
  async read(limitMs: number): Promise<{ candidates: number[]; rttMs: number[] }> {
    const wait = waitAsync(this.state, 0, PENDING, limitMs)
    if ((wait.async ? await wait.value : wait.value) === 'timed-out') {
      throw new RunError('connect_timeout', `target probes did not finish within ${Math.round(limitMs)} ms`)
    }
    const rttMs = Array.from(this.rtt)
    const candidates = rttMs.map((_, i) => i).filter((i) => Atomics.load(this.state, i + 1) === 1)
    return { candidates, rttMs }
  }
}

/** The error a run ends with when no target passed its probe, naming each target's reason. */
export function noUsableTarget(probes: readonly TargetProbe[], maxTargetRttMs: number): RunError {
  const why = probes
    .map((p) => `${p.target}: ${p.error ?? `rtt ${p.rttMs} ms > maxTargetRttMs ${maxTargetRttMs}`}`)
    .join('; ')
  return new RunError('connect_refused', `every target failed its probe (${why})`)
}
