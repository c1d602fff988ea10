// quicksand for Jest: use this module as a setupFilesAfterEnv entry (it registers the matchers on
// the global expect) and import useFabric()/useProxy() from it in tests.
import { createFabricFixture, type FabricFixture } from '../fabric/fixture.js'
import { matchers } from '../matchers/index.js'
import { createProxyFixture, type ProxyFixture, seedFromName } from '../proxy/fixture.js'

interface JestGlobals {
  expect?: { extend(matchers: object): void; getState?(): { currentTestName?: string } }
  afterEach?: (fn: () => Promise<void>) => void
  beforeEach?: (fn: () => void) => void
}

const globals = globalThis as unknown as JestGlobals

/** Register quicksand's matchers on the global expect (done on import when one exists). */
export function registerMatchers(): void {
  globals.expect?.extend(matchers)
}

registerMatchers()

function hook(name: 'afterEach' | 'beforeEach'): NonNullable<JestGlobals[typeof name]> {
  const fn = globals[name]
  if (typeof fn !== 'function') {
    throw new Error(`quicksand/jest: ${name} is not defined; call this at the top of a test file run by Jest`)
  }
  return fn
}

/** A fabric fixture for Jest: nodes it starts are stopped after each test. */
export function useFabric(): FabricFixture {
  let current = createFabricFixture()
  hook('afterEach')(async () => {
    const done = current
    current = createFabricFixture()
    await done.closeAll()
  })
  return {
    node: (options) => current.node(options),
    nodes: (count, options) => current.nodes(count, options),
    load: (config) => current.load(config),
    closeAll: () => current.closeAll(),
  }
}

/** A proxy fixture for Jest: proxies it creates are closed after each test; seeds come from the test's name. */
export function useProxy(): ProxyFixture {
  const fresh = () => createProxyFixture(seedFromName(globals.expect?.getState?.().currentTestName ?? ''))
  let current: ProxyFixture | undefined
  const active = () => {
    current ??= fresh()
    return current
  }
  hook('afterEach')(async () => {
    const done = current
    current = undefined
    await done?.closeAll()
  })
  return {
    tcp: (options) => active().tcp(options),
    udp: (options) => active().udp(options),
    closeAll: async () => {
      await current?.closeAll()
    },
  }
}

// Brings the matcher types onto Jest's expect for every file that imports this entry.
export type { QuicksandMatchers } from '../matchers/jest-types.js'
export type { FabricFixture, ProxyFixture }
