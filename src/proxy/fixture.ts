import type { EventBus } from '../run/events.js'
import { createProxy } from './proxy.js'
import type { ImpairmentProxy, ProxyOptions } from './types.js'

export { seedFromName } from './random.js'

/** Options of a fixture's tcp()/udp(): the protocol is given by the method, the seed defaults to the fixture's. */
export type ProxyFixtureOptions = Omit<ProxyOptions, 'protocol'>

/** What the Vitest `proxy` fixture and Jest `useProxy()` hand to a test. */
export interface ProxyFixture {
  tcp(options: ProxyFixtureOptions): Promise<ImpairmentProxy>
  udp(options: ProxyFixtureOptions): Promise<ImpairmentProxy>
  /** Close every proxy this fixture created. */
  closeAll(): Promise<void>
}

/** Create proxies that share a default seed (and event bus, when given) and are all closed by closeAll(). */
export function createProxyFixture(defaultSeed: number, events?: EventBus): ProxyFixture {
  const open = new Set<ImpairmentProxy>()
  const make = async (protocol: 'tcp' | 'udp', options: ProxyFixtureOptions): Promise<ImpairmentProxy> => {
    const proxy = await createProxy({
      seed: defaultSeed,
      ...(events ? { events } : {}),
      ...options,
      protocol,
    })
    open.add(proxy)
    return proxy
  }
  return {
    tcp: (options) => make('tcp', options),
    udp: (options) => make('udp', options),
    async closeAll() {
      const proxies = [...open]
      open.clear()
      await Promise.all(proxies.map((proxy) => proxy.close()))
    },
  }
}
