// One line of a run's progress for people watching a terminal: work done (of the total), the
// current rate over the last update interval, and time (of the planned duration).
import type { RunProgress } from './runner.js'

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

/** Turns a run's progress updates into lines; the rate is measured between successive lines. */
export class ProgressLine {
  private last: { elapsedMs: number; done: number } | undefined

  /** The line for `progress`, e.g. "load 1,234/5,000 streams, 850 streams/s, 3.2 s of 10.0 s". */
  format(progress: RunProgress): string {
    const { measure, done, elapsedMs } = progress
    const time = measure?.durationMs
      ? `${seconds(elapsedMs)} of ${seconds(measure.durationMs)}`
      : seconds(elapsedMs)
    if (!measure || done === undefined) return `${progress.workload} ${time}`
    const previous = this.last ?? { elapsedMs: 0, done: 0 }
    this.last = { elapsedMs, done }
    const span = elapsedMs - previous.elapsedMs
    const rate = span > 0 ? ((done - previous.done) * 1000) / span : 0
    const amount =
      measure.total === undefined
        ? count.format(done)
        : `${count.format(done)}/${count.format(measure.total)}`
    return `${progress.workload} ${amount} ${measure.unit}, ${count.format(rate)} ${measure.unit}/s, ${time}`
  }
}
