// The `traffic` and `echo` fixtures: traffic runs on the test's event bus, aborted when the test
// ends; echo servers (and fronts) started for a test are killed after it.
import { RunError } from '../errors/kinds.js'
import { defaultEventBus, type EventBus } from '../run/events.js'
import type { RunProgress } from '../run/runner.js'
import type { TrafficConfig } from './config.js'
import { type EchoFront, type EchoFrontOptions, startEchoFront } from './echo-front.js'
import { type EchoServer, type EchoServerOptions, startEchoServer } from './echo-server.js'
import type { TrafficReport } from './report.js'
import { runTraffic } from './run.js'

/** The `traffic` fixture. */
export interface TrafficFixture {
  /** Run ctraffic's continuous traffic (see runTraffic); aborted if the test ends first. */
  run(config: TrafficConfig): Promise<TrafficReport>
  /** Abort every run still going. */
  closeAll(): Promise<void>
}

/** The `echo` fixture. */
export interface EchoFixture {
  /** Start an echo server (TCP on 127.0.0.1 and a free port unless told otherwise). */
  server(options?: EchoServerOptions): Promise<EchoServer>
  /** Start a round-robin front over echo servers (a service in front of its pods). */
  front(backends: EchoServer[], options?: Omit<EchoFrontOptions, 'events'>): Promise<EchoFront>
  /** Close every front and kill every server this fixture started. */
  closeAll(): Promise<void>
}

/** Create a traffic fixture whose runs publish on `events`, with their progress and reports handed to the callbacks. */
export function createTrafficFixture(
  events: EventBus = defaultEventBus,
  onProgress?: (progress: RunProgress) => void,
  onReport?: (report: TrafficReport) => void,
): TrafficFixture {
  let runs = new AbortController()
  return {
    async run(config) {
      const report = await runTraffic(config, {
        signal: runs.signal,
        events,
        ...(onProgress ? { onProgress } : {}),
      })
      onReport?.(report)
      return report
    },
    async closeAll() {
      runs.abort(new RunError('aborted', 'the test ended while it ran'))
      runs = new AbortController()
    },
  }
}

/** Create an echo fixture whose servers publish on `events`. */
export function createEchoFixture(events: EventBus = defaultEventBus): EchoFixture {
  const started = new Set<EchoServer>()
  const fronts = new Set<EchoFront>()
  return {
    async server(options = {}) {
      const server = await startEchoServer(
        typeof options === 'object' && options !== null ? { events, ...options } : options,
      )
      started.add(server)
      return server
    },
    async front(backends, options = {}) {
      const front = await startEchoFront(backends, { ...options, events })
      fronts.add(front)
      return front
    },
    async closeAll() {
      const opened = [...fronts]
      fronts.clear()
      await Promise.all(opened.map((f) => f.close()))
      const servers = [...started]
      started.clear()
      await Promise.all(servers.map((s) => s.kill()))
    },
  }
}
