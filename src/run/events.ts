// One event bus per test (or per process, for the core API): nodes, proxies and runs publish
// what happened and when, and every run copies the events of its own time span into its report.

/** Something that happened: when (epoch ms), who said it (`node 127.0.0.1:4433`), what, and details. */
export interface RunEvent {
  /** Milliseconds since the Unix epoch, with sub-millisecond precision. */
  at: number
  /** Who emitted it, e.g. 'node quic://127.0.0.1:4433', 'proxy tcp://127.0.0.1:5000', 'load'. */
  source: string
  /** What happened, e.g. 'node.kill', 'impairment.set', 'failover'. */
  type: string
  /** Further JSON-serialisable details. */
  [detail: string]: unknown
}

/** What emit() takes: an event without its time, which the bus stamps. */
export type RunEventInput = Omit<RunEvent, 'at'> & { at?: number }

/** Bounds the memory of a long-lived bus; older events are dropped first. */
const MAX_EVENTS = 10_000

/** The wall clock in ms with sub-millisecond precision. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now()
}

/** Collects events and hands them to listeners (runs in progress). */
export class EventBus {
  private readonly events: RunEvent[] = []
  private readonly listeners = new Set<(event: RunEvent) => void>()

  /** Record an event, stamped now unless it carries its own `at`. */
  emit(input: RunEventInput): RunEvent {
    const event = { ...input, at: input.at ?? nowMs() } as RunEvent
    this.events.push(event)
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS)
    for (const listener of this.listeners) listener(event)
    return event
  }

  /** Events with `from <= at <= to` (all of them by default), oldest first. */
  between(from = Number.NEGATIVE_INFINITY, to = Number.POSITIVE_INFINITY): RunEvent[] {
    return this.events.filter((event) => event.at >= from && event.at <= to)
  }

  /** Call `listener` with every event from now on; returns the unsubscribe function. */
  subscribe(listener: (event: RunEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Forget every event recorded so far. */
  clear(): void {
    this.events.length = 0
  }
}

/** The bus nodes, proxies and runs use when nobody gave them one (the core API outside fixtures). */
export const defaultEventBus = new EventBus()
