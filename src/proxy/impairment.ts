import type { ImpairmentCommon } from './impairments/common.js'
import type { Random } from './random.js'
import type { ConnectionEnd, Direction, Impairment, ProxyProtocol } from './types.js'

/** A marker travelling with the bytes, so it keeps its place behind data still held by a stage. */
export type Signal =
  /** The source half-closed its side (FIN): end the destination once everything before it is out. */
  | { signal: 'fin' }
  /** An impairment ends the connection once everything before it is out. */
  | { signal: 'terminate'; end: ConnectionEnd }

/** What flows through a direction: bytes (a TCP chunk or one UDP datagram) or a signal. */
export type Item = Buffer | Signal

/** One way of a connection: client -> target is upstream. */
export type Way = 'upstream' | 'downstream'

/** UDP event counters a stage may bump. */
export type PacketCounter = 'packetsDropped' | 'packetsDuplicated' | 'packetsReordered' | 'packetsCorrupted'

/** What a stage may do besides holding items. */
export interface StageContext {
  readonly protocol: ProxyProtocol
  readonly way: Way
  /** Seeded for this connection, way and impairment. */
  readonly random: Random
  /** Hand an item to the next stage (or the destination). */
  emit(item: Item): void
  /** An item leaves without being forwarded (swallowed or dropped). */
  discard(item: Item): void
  /** End the connection now, bypassing queued data ('reset' sends RST). */
  terminate(end: ConnectionEnd, how: 'close' | 'reset'): void
  count(counter: PacketCounter): void
  /** State shared by every connection of the proxy for this impairment and way (scope: 'proxy'). */
  shared<T>(create: () => T): T
}

/** One impairment acting on one way of one connection. */
export interface Stage {
  write(item: Item): void
  /** Stop timers and hand back everything held, oldest first; called when the impairment is removed or the connection ends. */
  release(): Item[]
}

/**
 * What a connection-level impairment decides for a new TCP connection or UDP flow: let it through
 * (after `delayMs`, TCP only), refuse it (TCP: close at once), or blackhole it (accept, forward nothing).
 */
export type AdmissionVerdict =
  | { verdict: 'admit'; delayMs: number }
  | { verdict: 'refuse' }
  | { verdict: 'blackhole' }

/** What a connection-level impairment does to connections already open when it starts. */
export type ExistingVerdict = 'close' | 'blackhole' | 'keep'

/** The fields of an impairment kind besides `kind` and the common ones; the compiler checks the list is complete. */
export type OwnFields<P> = { readonly [K in Exclude<keyof P, keyof ImpairmentCommon | 'kind'>]-?: true }

/** What every impairment module provides: its rules and, for per-way impairments, a stage. */
export interface ImpairmentModule<P extends Impairment = Impairment> {
  readonly kind: P['kind']
  readonly protocols: readonly ProxyProtocol[]
  /** Its own fields, so a misspelt one is refused rather than ignored. */
  readonly fields: OwnFields<P>
  /** Default direction; null for impairments that act on the connection as a whole (outage, predial). */
  readonly defaultDirection: Direction | null
  /** Check fields and fill defaults (durations become ms); throws ImpairmentError naming the field. */
  normalize(input: P, protocol: ProxyProtocol): P
  stage?(params: P, context: StageContext): Stage
  /** Connection-level impairments: decide for each new connection or flow it picks by toxicity. */
  admit?(params: P): AdmissionVerdict
  /** Connection-level impairments: what happens to open connections it picks when it is added. */
  existing?(params: P): ExistingVerdict
}

/** Size of an item in bytes (signals weigh nothing). */
export function itemBytes(item: Item): number {
  return Buffer.isBuffer(item) ? item.length : 0
}
