import { describeValue, rejectUnknownKeys } from '../errors/field-error.js'
import { RunError } from '../errors/kinds.js'
import type { LoadConfig } from '../load/config.js'
import { runLoad } from '../load/run.js'
import type { LoadReport } from '../load/types.js'
import {
  createMultipathFixture,
  type MultipathFixture,
  type MultipathFixtureOptions,
  type MultipathSetup,
} from '../multipath/fixture.js'
import type { PipelineConfig } from '../pipeline/config.js'
import { createPipelineFixture, type PipelineFixture } from '../pipeline/fixture.js'
import type { PipelineReport } from '../pipeline/report.js'
import { createRelayFixture, type RelayFixture } from '../relay/fixture.js'
import type { PeerOptions, RelayPeer } from '../relay/peer.js'
import type { Relay, RelayOptions } from '../relay/relay.js'
import { defaultEventBus, type EventBus } from '../run/events.js'
import type { RunProgress } from '../run/runner.js'
import { type FabricNode, type NodeOptions, type NodeTuple, startNode } from './node.js'

/** The `fabric` fixture: start nodes and run loads; everything started is stopped by closeAll(). */
export interface FabricFixture {
  /** Start one fabric node (QUIC on 127.0.0.1 unless told otherwise). */
  node(options?: NodeOptions): Promise<FabricNode>
  /** Start n fabric nodes with the same options. */
  nodes<N extends number>(count: N, options?: NodeOptions): Promise<NodeTuple<N>>
  /** Run a load (see runLoad). */
  load(config: LoadConfig): Promise<LoadReport>
  /** Run a multi-hop UDP relay pipeline to completion (see runPipeline). */
  pipeline(config: PipelineConfig): Promise<PipelineReport>
  /** Start a store-and-forward relay in front of a peer (see startRelay). */
  relay(options: RelayOptions): Promise<Relay>
  /** Start a peer that records the segments relays deliver (see startPeer). */
  peer(options?: PeerOptions): Promise<RelayPeer>
  /** Start a multipath node behind one TCP proxy per path; gives `{ node, proxies, target }`. */
  multipath(options?: MultipathFixtureOptions): Promise<MultipathSetup>
  /** Stop every node this fixture started. */
  closeAll(): Promise<void>
}

/** Options of a fabric fixture. */
export interface FabricFixtureOptions {
  /** Called with every report a load of this fixture returns. */
  onReport?: (report: LoadReport) => void
  /** Where nodes and loads publish their events; default the process-wide bus. */
  events?: EventBus
  /** Called as a load runs with its progress (see RunOptions.onProgress). */
  onProgress?: (progress: RunProgress) => void
  /** Called with every report a pipeline of this fixture returns. */
  onPipelineReport?: (report: PipelineReport) => void
}

const FIXTURE_OPTION_KEYS = Object.keys({
  onReport: true,
  events: true,
  onProgress: true,
  onPipelineReport: true,
} satisfies Record<keyof FabricFixtureOptions, true>)

/** Create a fabric fixture that tracks the nodes it starts. */
export function createFabricFixture(options: FabricFixtureOptions = {}): FabricFixture {
  rejectUnknownKeys(options, FIXTURE_OPTION_KEYS, 'fabric fixture options')
  const started = new Set<FabricNode>()
  const events = options.events ?? defaultEventBus
  // Loads still running at teardown (a test that timed out) are aborted, not left to run on.
  let loads = new AbortController()
  // Made on first use, so a test that runs no pipeline pays nothing for it.
  let pipelines: PipelineFixture | undefined
  // Made on first use, so a test that never asks for multipath starts nothing of it.
  let multipath: MultipathFixture | undefined
  const node = async (options?: NodeOptions) => {
    // Nodes publish on the fixture's bus unless told otherwise; anything else startNode checks.
    const withBus =
      options === undefined
        ? { events }
        : typeof options === 'object' && options !== null
          ? { events, ...options }
          : options
    const created = await startNode(withBus)
    started.add(created)
    return created
  }
  // Made on first use, so tests without relays never load them.
  let relays: RelayFixture | undefined
  const relayFixture = () => {
    relays ??= createRelayFixture(events)
    return relays
  }
  return {
    node,
    relay: (relayOptions) => relayFixture().relay(relayOptions),
    peer: (peerOptions) => relayFixture().peer(peerOptions),
    async nodes(count, options) {
      if (!Number.isInteger(count) || count < 1 || count > 64) {
        throw new TypeError(`fabric.nodes count must be an integer from 1 to 64, got ${describeValue(count)}`)
      }
      const created: FabricNode[] = []
      for (let i = 0; i < count; i++) created.push(await node(options))
      // One node per count, so the array has the tuple's length.
      return created as NodeTuple<typeof count>
    },
    async load(config) {
      const onProgress = options.onProgress
      const report = await runLoad(config, {
        signal: loads.signal,
        events,
        ...(onProgress ? { onProgress } : {}),
      })
      options.onReport?.(report)
      return report
    },
    pipeline(config) {
      pipelines ??= createPipelineFixture(events, options.onPipelineReport)
      return pipelines.pipeline(config)
    },
    multipath(options) {
      multipath ??= createMultipathFixture(events)
      return multipath.multipath(options)
    },
    async closeAll() {
      // Every part is stopped even when one fails; the first failure is rethrown after all ran.
      const failures: unknown[] = []
      const step = (work: () => Promise<unknown> | undefined) =>
        Promise.resolve()
          .then(work)
          .catch((error: unknown) => void failures.push(error))
      await step(() => pipelines?.closeAll())
      loads.abort(new RunError('aborted', 'the test ended while it ran'))
      loads = new AbortController()
      await step(() => multipath?.closeAll())
      const nodes = [...started]
      started.clear()
      // A crash-stop is enough at teardown and never waits on a slow peer.
      await step(() => Promise.all(nodes.map((n) => n.kill())))
      await step(() => relays?.closeAll())
      if (failures.length > 0) throw failures[0]
    },
  }
}
