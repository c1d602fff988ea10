// quicksand for Jest: use this module as a setupFilesAfterEnv entry (it registers the matchers on
// the global expect) and import useFabric()/useProxy() from it in tests.
import { rejectUnknownKeys } from '../errors/field-error.js'
import type { FabricFixture } from '../fabric/fixture.js'
import { type FixtureName, type QuicksandFixtures, runKindOf, TestScope } from '../fixtures.js'
import type { LoadReport } from '../load/types.js'
import { matchers } from '../matchers/index.js'
import type { ProxyFixture } from '../proxy/fixture.js'
import type { EchoFixture, TrafficFixture } from '../traffic/fixture.js'

interface JestGlobals {
  expect?: { extend(matchers: object): void; getState?(): { currentTestName?: string } }
  afterEach?: (fn: () => Promise<void>) => void
}

const globals = globalThis as unknown as JestGlobals

/** Register quicksand's matchers on the global expect (done on import when one exists). */
export function registerMatchers(): void {
  globals.expect?.extend(matchers)
}

registerMatchers()

// Jest loads this module once per test file, so this state is the file's.
let scope: TestScope | undefined
let hooked = false
const reportListeners = new Set<(report: LoadReport) => void>()

function hookAfterEach(): void {
  if (hooked) return
  const afterEach = globals.afterEach
  if (typeof afterEach !== 'function') {
    throw new Error(
      'quicksand/jest: afterEach is not defined; call useX() at the top of a test file run by Jest',
    )
  }
  hooked = true
  afterEach(async () => {
    const done = scope
    scope = undefined
    await done?.close()
  })
}

/** The running test's scope, made on first use. */
function current(): TestScope {
  scope ??= new TestScope(globals.expect?.getState?.().currentTestName ?? '', (report) => {
    // useFabric({ onReport }) takes the loads' reports.
    if (runKindOf(report) !== 'load') return
    for (const listener of reportListeners) listener(report as LoadReport)
  })
  return scope
}

/** A stand-in for fixture `name` that always acts on the running test's instance. */
function useFixture<K extends FixtureName>(name: K): QuicksandFixtures[K] {
  hookAfterEach()
  return new Proxy({} as QuicksandFixtures[K], {
    get(_target, key) {
      const value = (current().get(name) as Record<PropertyKey, unknown>)[key]
      return typeof value === 'function' ? value.bind(current().get(name)) : value
    },
  })
}

/** Options of useFabric(). */
export interface UseFabricOptions {
  /** Called with every report a load of the file's tests returns. */
  onReport?: (report: LoadReport) => void
}

/** A fabric fixture for Jest: nodes it starts are stopped after each test. */
export function useFabric(options: UseFabricOptions = {}): FabricFixture {
  rejectUnknownKeys(options, ['onReport'] satisfies (keyof UseFabricOptions)[], 'useFabric options')
  if (options.onReport) reportListeners.add(options.onReport)
  return useFixture('fabric')
}

/** A proxy fixture for Jest: proxies it creates are closed after each test; seeds come from the test's name. */
export function useProxy(): ProxyFixture {
  return useFixture('proxy')
}

/** A traffic fixture for Jest: runs still going when a test ends are aborted. */
export function useTraffic(): TrafficFixture {
  return useFixture('traffic')
}

/** An echo fixture for Jest: echo servers it starts are killed after each test. */
export function useEcho(): EchoFixture {
  return useFixture('echo')
}

/** The fabric fixture for pipelines in Jest: `usePipeline().pipeline(config)`; pipelines still running when a test ends are stopped. */
export function usePipeline(): FabricFixture {
  return useFixture('fabric')
}

/** The fabric fixture for Jest, for its relays and peers: `useRelay().relay(...)`, `useRelay().peer(...)`. */
export function useRelay(): FabricFixture {
  return useFixture('fabric')
}

export type { QuicksandFixtures } from '../fixtures.js'
// Brings the matcher types onto Jest's expect for every file that imports this entry.
export type { QuicksandMatchers } from '../matchers/jest-types.js'
export type { EchoFixture, FabricFixture, ProxyFixture, TrafficFixture }
