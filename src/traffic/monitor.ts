// ctraffic's monitor: once a second, until 1.5 s before the run's end, a line with the
// connections active/failed/connecting and the packets sent/received/dropped so far.
import type { RunProgress } from '../run/runner.js'
import { monitorLine } from './format.js'

/** Feeds on a run's progress and calls `print` with ctraffic's monitor line once a second. */
export class Monitor {
  private readonly levels = { sent: 0, received: 0, dropped: 0, failed: 0, active: 0, connecting: 0 }
  private readonly timer: NodeJS.Timeout
  private readonly startedAt = performance.now()

  constructor(print: (line: string) => void, durationMs: number) {
    this.timer = setInterval(() => {
      if (performance.now() - this.startedAt < durationMs - 1500) print(monitorLine(this.levels))
    }, 1000)
  }

  /** Take the run's counters so far (RunOptions.onProgress). */
  progress({ totals }: RunProgress): void {
    this.levels.sent = totals.sent ?? 0
    this.levels.received = totals.received ?? 0
    this.levels.dropped = totals.dropped ?? 0
    this.levels.failed = totals.failedConnections ?? 0
    this.levels.active = (totals.connectionsOpened ?? 0) - (totals.connectionsEnded ?? 0)
    this.levels.connecting = (totals.dialsStarted ?? 0) - (totals.dialsEnded ?? 0)
  }

  /** Stop printing. */
  stop(): void {
    clearInterval(this.timer)
  }
}
