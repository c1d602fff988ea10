// How the chain of per-way stages of a TCP connection or UDP flow follows the impairment set:
// one rule for both protocols, so they cannot drift apart.
import type { Chain } from './chain.js'
import { isToxic, stageRandom } from './engine.js'
import type { Item, PacketCounter, Stage, StageContext, Way } from './impairment.js'
import type { ActiveImpairment } from './impairment-set.js'
import type { ConnectionEnd, ProxyProtocol } from './types.js'

const WAYS: readonly Way[] = ['upstream', 'downstream']

/** State an impairment with scope 'proxy' shares between every connection of a proxy, per way. */
export class SharedStageState {
  private readonly states = new Map<string, unknown>()

  /** The state of `entry` on `way`, created on first use. */
  get<T>(entry: ActiveImpairment, way: Way, create: () => T): T {
    const key = `${entry.handle.id}:${way}`
    if (!this.states.has(key)) this.states.set(key, create())
    return this.states.get(key) as T
  }

  /** Drop what a removed impairment shared. */
  forget(entry: ActiveImpairment): void {
    for (const way of WAYS) this.states.delete(`${entry.handle.id}:${way}`)
  }
}

/** What stage building needs from one TCP connection or UDP flow. */
export interface StageHost {
  readonly protocol: ProxyProtocol
  readonly seed: number
  /** The connection or flow id (its record id), which seeds toxicity and randomness. */
  readonly conversation: number
  readonly shared: SharedStageState
  chain(way: Way): Chain
  discard(way: Way, item: Item): void
  terminate(end: ConnectionEnd, how: 'close' | 'reset'): void
  count(counter: PacketCounter): void
}

/** Build `entry`'s stage for one way of `host`. */
function buildStage(host: StageHost, entry: ActiveImpairment, way: Way, emit: (item: Item) => void): Stage {
  const context: StageContext = {
    protocol: host.protocol,
    way,
    random: stageRandom(host.seed, host.conversation, entry, way),
    emit,
    discard: (item) => host.discard(way, item),
    terminate: (end, how) => host.terminate(end, how),
    count: (counter) => host.count(counter),
    shared: (create) => host.shared.get(entry, way, create),
  }
  return (entry.module.stage as NonNullable<typeof entry.module.stage>)(entry.params, context)
}

/** Put an impairment's stages on the ways it acts on, if its toxicity picks this connection. */
export function addStages(host: StageHost, entry: ActiveImpairment): void {
  if (!entry.module.stage || !isToxic(host.seed, host.conversation, entry)) return
  for (const way of entry.ways)
    host.chain(way).add(entry.handle.id, (emit) => buildStage(host, entry, way, emit))
}

/** Swap an impairment's stages for ones with new parameters, keeping what they held. */
export function replaceStages(host: StageHost, previous: ActiveImpairment, next: ActiveImpairment): void {
  const toxic = next.module.stage !== undefined && isToxic(host.seed, host.conversation, next)
  for (const way of WAYS) {
    const chain = host.chain(way)
    if (toxic && next.ways.includes(way)) {
      chain.replace(next.handle.id, (emit) => buildStage(host, next, way, emit))
    } else if (previous.ways.includes(way)) {
      chain.remove(previous.handle.id)
    }
  }
}

/** Take an impairment's stages off; what they held moves on. */
export function removeStages(host: StageHost, entry: ActiveImpairment): void {
  for (const way of WAYS) host.chain(way).remove(entry.handle.id)
}
