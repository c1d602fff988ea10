// The one table of quicksand's test fixtures. quicksand/vitest and quicksand/jest both build
// their fixtures from it, so adding a fixture is one entry here and nothing else.
import { createFabricFixture, type FabricFixture } from './fabric/fixture.js'
import type { LoadReport } from './load/types.js'
import type { PipelineReport } from './pipeline/report.js'
import { createProxyFixture, type ProxyFixture, seedFromName } from './proxy/fixture.js'
import { EventBus } from './run/events.js'
import type { RunProgress } from './run/runner.js'
import {
  createEchoFixture,
  createTrafficFixture,
  type EchoFixture,
  type TrafficFixture,
} from './traffic/fixture.js'
import type { TrafficReport } from './traffic/report.js'

/** A report of any run a fixture makes: a load, a traffic run or a pipeline. */
export type RunReport = LoadReport | TrafficReport | PipelineReport

/** Which kind of run a report is of. */
export function runKindOf(report: RunReport): 'load' | 'traffic' | 'pipeline' {
  if ('kind' in report && report.kind === 'pipeline') return 'pipeline'
  return 'Sent' in report ? 'traffic' : 'load'
}

/** What a fixture is given for one test. */
export interface FixtureScope {
  /** The test's name (seeds come from it). */
  readonly testName: string
  /** The test's event bus: what its nodes, proxies and runs did, for timelines. */
  readonly events: EventBus
  /** Hand every report a run of the test returns to the framework side (metadata, reporters). */
  report(report: RunReport): void
  /** Hand a running load's or traffic run's progress to the framework side (terminal lines). */
  progress(update: RunProgress): void
}

/** One fixture: how to make it for a test and how to stop what it started. */
export interface FixtureDefinition<T> {
  create(scope: FixtureScope): T
  close(instance: T): Promise<void>
  /** Fixtures are torn down in increasing order (runs and nodes before the proxies in front of them). */
  teardownOrder: number
}

/** The fixture table. */
export const fixtureTable = {
  fabric: {
    create: (scope) =>
      createFabricFixture({
        events: scope.events,
        onReport: (r) => scope.report(r),
        onPipelineReport: (r) => scope.report(r),
        onProgress: (p) => scope.progress(p),
      }),
    close: (fabric) => fabric.closeAll(),
    teardownOrder: 1,
  } satisfies FixtureDefinition<FabricFixture>,
  proxy: {
    create: (scope) => createProxyFixture(seedFromName(scope.testName), scope.events),
    close: (proxy) => proxy.closeAll(),
    teardownOrder: 2,
  } satisfies FixtureDefinition<ProxyFixture>,
  traffic: {
    create: (scope) =>
      createTrafficFixture(
        scope.events,
        (p) => scope.progress(p),
        (r) => scope.report(r),
      ),
    close: (traffic) => traffic.closeAll(),
    teardownOrder: 0,
  } satisfies FixtureDefinition<TrafficFixture>,
  echo: {
    create: (scope) => createEchoFixture(scope.events),
    close: (echo) => echo.closeAll(),
    teardownOrder: 1,
  } satisfies FixtureDefinition<EchoFixture>,
}

/** A fixture's name. */
export type FixtureName = keyof typeof fixtureTable

/** What each fixture hands to a test. */
export type QuicksandFixtures = { [K in FixtureName]: ReturnType<(typeof fixtureTable)[K]['create']> }

/** The fixture names, in the table's order. */
export const fixtureNames = Object.keys(fixtureTable) as FixtureName[]

/** One test's fixtures: made on first use, all stopped by close() in teardown order. */
export class TestScope implements FixtureScope {
  readonly events = new EventBus()
  private readonly made = new Map<FixtureName, unknown>()

  constructor(
    readonly testName: string,
    private readonly onReport: (report: RunReport) => void = () => undefined,
    private readonly onProgress: (update: RunProgress) => void = () => undefined,
  ) {}

  report(report: RunReport): void {
    this.onReport(report)
  }

  progress(update: RunProgress): void {
    this.onProgress(update)
  }

  /** The test's fixture `name`, made on first use. */
  get<K extends FixtureName>(name: K): QuicksandFixtures[K] {
    let instance = this.made.get(name)
    if (!instance) {
      instance = fixtureTable[name].create(this)
      this.made.set(name, instance)
    }
    return instance as QuicksandFixtures[K]
  }

  /** Stop everything the test's fixtures started, in teardown order; the first failure is rethrown after all ran. */
  async close(): Promise<void> {
    const made = [...this.made.entries()].sort(
      ([a], [b]) => fixtureTable[a].teardownOrder - fixtureTable[b].teardownOrder,
    )
    this.made.clear()
    const failures: unknown[] = []
    for (const [name, instance] of made) {
      const definition = fixtureTable[name] as FixtureDefinition<unknown>
      await definition.close(instance).catch((error: unknown) => failures.push(error))
    }
    if (failures.length > 0) throw failures[0]
  }
}
