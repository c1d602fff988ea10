import type { BusyPoll } from './busy-poll.js'
import type { ActiveImpairment, ImpairmentListener } from './impairment-set.js'
import { createRandom, mixSeed } from './random.js'
import type { ProxyCounters } from './stats.js'
import type { ProxyTarget } from './types.js'

/** What a protocol engine (TCP or UDP) gets from the proxy around it. */
export interface EngineContext {
  readonly target: ProxyTarget
  readonly listen: { host: string; port: number }
  readonly seed: number
  readonly counters: ProxyCounters
  /** Told of every chunk or datagram that arrives; polls for the reply after those that turn a conversation. */
  readonly busyPoll: BusyPoll
  /** The impairments in force, in order. */
  impairments(): readonly ActiveImpairment[]
}

/** A running TCP or UDP proxy: follows impairment changes on live connections. */
export interface Engine extends ImpairmentListener {
  readonly host: string
  readonly port: number
  close(): Promise<void>
}

/** Whether an impairment applies to a connection or flow: toxicity drawn once per connection, from the seed. */
export function isToxic(seed: number, connection: number, entry: ActiveImpairment): boolean {
  if (entry.toxicity >= 1) return true
  if (entry.toxicity <= 0) return false
  return createRandom(mixSeed(seed, connection, entry.handle.id, 0x7041))() < entry.toxicity
}

/** The seeded random source of one stage. */
export function stageRandom(
  seed: number,
  connection: number,
  entry: ActiveImpairment,
  way: 'upstream' | 'downstream',
) {
  return createRandom(mixSeed(seed, connection, entry.handle.id, way === 'upstream' ? 1 : 2))
}
