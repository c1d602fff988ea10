// The multipath part of the `fabric` fixture: a multipath node with one impairment proxy in
// front of each path, and the target a load (or connectMultipath) aims at.
import { ConfigError } from '../errors/config-error.js'
import { rejectUnknownKeys } from '../errors/field-error.js'
import { createProxy } from '../proxy/proxy.js'
import type { Impairment, ImpairmentProxy } from '../proxy/types.js'
import type { EventBus } from '../run/events.js'
import { type MultipathNode, startMultipathNode } from './node.js'
import { isSchedulerName, SCHEDULER_NAMES, type SchedulerName } from './schedulers/index.js'
import type { MultipathTargetInput } from './target.js'

/** Options of `fabric.multipath()`. */
export interface MultipathFixtureOptions {
  /** Number of paths, 1-16 (default 2). */
  paths?: number
  /** How the load spreads frames (default 'lowest-rtt'). */
  scheduler?: SchedulerName
  /** What each path's subflow runs on: 'tcp' (default; a TCP proxy per path) or 'quic' (a UDP proxy per path). */
  pathTransport?: 'tcp' | 'quic'
  /** Impairments of each path's proxy from the start: impair[i] goes to proxies[i]. */
  impair?: ReadonlyArray<Impairment[] | undefined>
}

/** What `fabric.multipath()` gives back. */
export interface MultipathSetup {
  node: MultipathNode
  /** One TCP (or, for 'quic', UDP) proxy per path, in path order: cut, slow or flap them. */
  proxies: ImpairmentProxy[]
  /** A load target over every proxy with the chosen scheduler (QUIC paths pinned to the node's certificate). */
  target: MultipathTargetInput & { readonly multipath: ImpairmentProxy[]; readonly scheduler: SchedulerName }
}

/** Starts multipath setups and stops all of them in closeAll(). */
export interface MultipathFixture {
  multipath(options?: MultipathFixtureOptions): Promise<MultipathSetup>
  closeAll(): Promise<void>
}

const KEYS = ['paths', 'scheduler', 'pathTransport', 'impair']

/** A multipath fixture publishing on `events`. */
export function createMultipathFixture(events: EventBus): MultipathFixture {
  const nodes = new Set<MultipathNode>()
  const proxies = new Set<ImpairmentProxy>()
  return {
    async multipath(options = {}) {
      rejectUnknownKeys(options, KEYS, 'fabric.multipath options', ConfigError)
      const count = options.paths ?? 2
      if (!Number.isInteger(count) || count < 1 || count > 16) {
        throw new ConfigError('paths', count, 'an integer from 1 to 16')
      }
      const scheduler = options.scheduler ?? 'lowest-rtt'
      if (!isSchedulerName(scheduler)) {
        throw new ConfigError(
          'scheduler',
          scheduler,
          `one of ${SCHEDULER_NAMES.map((n) => `'${n}'`).join(', ')}`,
        )
      }
      const pathTransport = options.pathTransport ?? 'tcp'
      if (pathTransport !== 'tcp' && pathTransport !== 'quic') {
        throw new ConfigError('pathTransport', pathTransport, "'tcp' or 'quic'")
      }
      const impair = options.impair ?? []
      if (!Array.isArray(impair) || impair.length > count) {
        throw new ConfigError('impair', impair, `an array of at most ${count} impairment lists, one per path`)
      }
      const node = await startMultipathNode({
        transport: 'multipath',
        paths: Array.from({ length: count }, () => ({ transport: pathTransport })),
        events,
      })
      nodes.add(node)
      const started: ImpairmentProxy[] = []
      for (const [i, path] of node.paths.entries()) {
        // A QUIC subflow is UDP on the wire: a UDP proxy stands in front of it.
        const proxy = await createProxy({
          protocol: pathTransport === 'quic' ? 'udp' : 'tcp',
          target: path.url,
          events,
          impairments: impair[i] ?? [],
        })
        proxies.add(proxy)
        started.push(proxy)
      }
      const target = node.fingerprint
        ? { multipath: started, scheduler, fingerprint: node.fingerprint }
        : { multipath: started, scheduler }
      return { node, proxies: started, target }
    },
    async closeAll() {
      const open = [...proxies]
      proxies.clear()
      await Promise.all(open.map((p) => p.close()))
      const running = [...nodes]
      nodes.clear()
      await Promise.all(running.map((n) => n.kill()))
    },
  }
}
