import { formatUrl } from '../address.js'
import { FieldError, rejectUnknownKeys } from '../errors/field-error.js'
import { type MultipathNode, type MultipathNodeOptions, startMultipathNode } from '../multipath/node.js'
import { DEFAULT_MAX_PAYLOAD, HARD_MAX_PAYLOAD } from '../protocol/frames.js'
import { defaultEventBus, type EventBus } from '../run/events.js'
import { transportFor } from '../transport/index.js'
import { ListenerControl } from '../transport/listener-control.js'
import { generateCertificate, type QuicCertificate, userIdentity } from '../transport/quic/certificate.js'
import type { Link, Listener, TransportKind } from '../transport/types.js'
import { type NodeCounters, NodeSession, zeroNodeCounters } from './node-session.js'

/** Options for startNode. */
export interface NodeOptions {
  /** 'quic' (default) or 'tcp'. */
  transport?: TransportKind
  /** Address to bind; default 127.0.0.1. */
  host?: string
  /** Port to bind; default 0 (an ephemeral port). */
  port?: number
  /** Largest DATA payload accepted; default 64 KiB, at most 1 MiB. */
  maxPayload?: number
  /** Check every payload against the stream's deterministic bytes; default true. */
  verifyContent?: boolean
  /** QUIC only: PEM private key and certificate to use instead of a generated self-signed one. */
  key?: string
  cert?: string
  /**
   * QUIC only: largest UDP datagram the node sends (bytes, 1200-20480). Default: 20480 to
   * loopback peers, 1452 to others. Set 1452 (or 1200) when a UDP proxy impairs the path, so
   * each lost datagram is one real packet.
   */
  maxDatagramSize?: number
  /** Where the node publishes node.start, node.stop, node.kill and node.restart; default defaultEventBus. */
  events?: EventBus
}

/** Counters of a fabric node, as plain numbers. */
export interface NodeStats extends NodeCounters {
  transport: Record<string, number>
}

/** A fabric node running in this process. */
export interface FabricNode {
  readonly url: string
  readonly host: string
  readonly port: number
  readonly transport: TransportKind
  /** SHA-256 fingerprint of the certificate a QUIC node presents (hex), kept across restarts; undefined for TCP. */
  readonly fingerprint: string | undefined
  /** Largest DATA payload the node accepts (bytes); a load's payloadSize must not exceed it. */
  readonly maxPayload: number
  /** True between start (or restart) and stop or kill. */
  readonly running: boolean
  stats(): NodeStats
  /** Graceful stop: close every connection in order, then the listener. */
  stop(): Promise<void>
  /** Abrupt stop, as a crash: every connection dropped with no goodbye. */
  kill(): Promise<void>
  /** Listen again on the same port, with the same certificate, after stop or kill. */
  restart(): Promise<void>
}

/**
 * `count` nodes as a tuple when `count` is a literal (`NodeTuple<3>` is `[FabricNode, FabricNode,
 * FabricNode]`), so `nodes[2]` is a FabricNode even under noUncheckedIndexedAccess; an array otherwise.
 */
export type NodeTuple<N extends number> = N extends number
  ? number extends N
    ? FabricNode[]
    : BuildNodeTuple<N, []>
  : never

// Counts up to the fixture's limit of 64 nodes; a literal it never reaches (0, 2.5, 65) is an array.
type BuildNodeTuple<N extends number, Built extends FabricNode[]> = Built['length'] extends N
  ? Built
  : Built['length'] extends 64
    ? FabricNode[]
    : BuildNodeTuple<N, [...Built, FabricNode]>

/** A bad node option: names the field, the value and the rule it broke. */
export class NodeOptionsError extends FieldError {
  constructor(field: string, value: unknown, rule: string, message?: string) {
    super(field, value, rule, message)
    this.name = 'NodeOptionsError'
  }
}

const TRANSPORTS: readonly TransportKind[] = ['tcp', 'quic']

const NODE_OPTION_KEYS: ReadonlySet<keyof NodeOptions> = new Set([
  'transport',
  'host',
  'port',
  'maxPayload',
  'verifyContent',
  'key',
  'cert',
  'maxDatagramSize',
  'events',
])

const QUIC_ONLY_KEYS = ['key', 'cert', 'maxDatagramSize'] as const

/** Smallest datagram QUIC allows (RFC 9000, section 14) and the largest quicksand sends. */
const MIN_DATAGRAM = 1200
const MAX_DATAGRAM = 20_480

function fail(field: string, value: unknown, rule: string, message?: string): never {
  throw new NodeOptionsError(field, value, rule, message)
}

interface NodeSettings {
  transport: TransportKind
  host: string
  port: number
  maxPayload: number
  verifyContent: boolean
  /** The user's key and certificate, checked to belong together; undefined when not given. */
  identity: QuicCertificate | undefined
  maxDatagramSize: number | undefined
  events: EventBus
}

function validate(options: NodeOptions): NodeSettings {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    fail('startNode options', options, 'an object')
  }
  rejectUnknownKeys(options, NODE_OPTION_KEYS, 'node options', NodeOptionsError)
  const transport = options.transport ?? 'quic'
  if (!TRANSPORTS.includes(transport)) fail('transport', transport, "'quic' or 'tcp'")
  const host = options.host ?? '127.0.0.1'
  if (typeof host !== 'string' || host.length === 0) fail('host', host, 'a non-empty string')
  const port = options.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail('port', port, 'an integer from 0 to 65535')
  const maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD
  if (!Number.isInteger(maxPayload) || maxPayload < 1 || maxPayload > HARD_MAX_PAYLOAD) {
    fail('maxPayload', maxPayload, `an integer from 1 to ${HARD_MAX_PAYLOAD}`)
  }
  const verifyContent = options.verifyContent ?? true
  if (typeof verifyContent !== 'boolean') fail('verifyContent', verifyContent, 'a boolean')
  if (transport === 'tcp') {
    for (const field of QUIC_ONLY_KEYS) {
      if (options[field] === undefined) continue
      // The value is not printed: a key is secret, and a certificate is a page of base64.
      fail(
        field,
        options[field],
        "left out for transport 'tcp'",
        `${field} is a QUIC-only option; a node with transport 'tcp' does not take it`,
      )
    }
  }
  // Checked here, in option order; kept for the listener, so a restart presents the same identity.
  const identity = userIdentity(options.key, options.cert, NodeOptionsError)
  const maxDatagramSize = options.maxDatagramSize
  if (
    maxDatagramSize !== undefined &&
    (!Number.isInteger(maxDatagramSize) || maxDatagramSize < MIN_DATAGRAM || maxDatagramSize > MAX_DATAGRAM)
  ) {
    fail('maxDatagramSize', maxDatagramSize, `an integer from ${MIN_DATAGRAM} to ${MAX_DATAGRAM} bytes`)
  }
  const events = options.events ?? defaultEventBus
  if (events === null || typeof events !== 'object' || typeof events.emit !== 'function') {
    fail('events', events, 'an EventBus')
  }
  return { transport, host, port, maxPayload, verifyContent, identity, maxDatagramSize, events }
}

/** Start a fabric node that accepts load clients and acknowledges every frame. */
export async function startNode(options: MultipathNodeOptions): Promise<MultipathNode>
export async function startNode(options?: NodeOptions): Promise<FabricNode>
export async function startNode(
  options: NodeOptions | MultipathNodeOptions = {},
): Promise<FabricNode | MultipathNode> {
  if (typeof options === 'object' && options !== null && options.transport === 'multipath') {
    return startMultipathNode(options, NodeOptionsError)
  }
  return startSingleNode(options as NodeOptions)
}

async function startSingleNode(options: NodeOptions): Promise<FabricNode> {
  const settings = validate(options)
  const transport = await transportFor(settings.transport)
  // A QUIC node's identity is made once: a restart presents the same certificate, as a real
  // server does, so clients that pinned its fingerprint still reach it.
  const identity = settings.transport !== 'quic' ? undefined : (settings.identity ?? generateCertificate())
  const counters = zeroNodeCounters()
  const sessions = new Set<NodeSession>()
  const accept = (link: Link) => {
    counters.connections++
    const session = new NodeSession(link, counters, settings.maxPayload, settings.verifyContent, (gone) =>
      sessions.delete(gone),
    )
    sessions.add(session)
  }
  const bind = (port: number) =>
    transport.listen(
      {
        host: settings.host,
        port,
        ...(identity ? { key: identity.key, cert: identity.cert } : {}),
        ...(settings.maxDatagramSize !== undefined ? { maxPacketSize: settings.maxDatagramSize } : {}),
      },
      accept,
    )
  const first = await bind(settings.port)
  const port = first.port
  const url = formatUrl(settings.transport, settings.host, port)
  const source = `node ${url}`
  const events = settings.events
  // What the listener presents, read from it rather than assumed.
  const presented = (bound: Listener) => (bound as Listener & { fingerprint?: string }).fingerprint
  let fingerprint = presented(first)
  let lastTransportStats: Record<string, number> = first.stats()
  const control = new ListenerControl(first, sessions, {
    bind: () => bind(port),
    down: (current, abrupt) => {
      lastTransportStats = current.stats()
      // Stamped when the node goes down, not when the close finishes, so a run's timeline shows the cause first.
      events.emit({ source, type: abrupt ? 'node.kill' : 'node.stop' })
    },
    up: (current) => {
      fingerprint = presented(current)
      events.emit({ source, type: 'node.restart' })
    },
  })
  events.emit({
    source,
    type: 'node.start',
    transport: settings.transport,
    ...(fingerprint ? { fingerprint } : {}),
  })
  return {
    url,
    host: settings.host,
    port,
    transport: settings.transport,
    get fingerprint() {
      return fingerprint
    },
    maxPayload: settings.maxPayload,
    get running() {
      return control.listener !== undefined
    },
    stats: () => ({ ...counters, transport: control.listener?.stats() ?? lastTransportStats }),
    stop: () => control.stop(),
    kill: () => control.kill(),
    restart: () => control.restart(),
  }
}
