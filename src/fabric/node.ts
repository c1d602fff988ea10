import { formatUrl } from '../address.js'
import { DEFAULT_MAX_PAYLOAD, HARD_MAX_PAYLOAD } from '../protocol/frames.js'
import { transportFor } from '../transport/index.js'
import type { Link, Listener, TransportKind } from '../transport/types.js'
import { type NodeCounters, NodeSession } from './node-session.js'

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
  /** SHA-256 fingerprint of a QUIC node's certificate (hex); undefined for TCP. */
  readonly fingerprint: string | undefined
  /** True between start (or restart) and stop or kill. */
  readonly running: boolean
  stats(): NodeStats
  /** Graceful stop: close every connection in order, then the listener. */
  stop(): Promise<void>
  /** Abrupt stop, as a crash: every connection dropped with no goodbye. */
  kill(): Promise<void>
  /** Listen again on the same port after stop or kill. */
  restart(): Promise<void>
}

const TRANSPORTS: readonly TransportKind[] = ['tcp', 'quic']

function fail(field: string, value: unknown, rule: string): never {
  throw new TypeError(`${field} must be ${rule}, got ${JSON.stringify(value)}`)
}

function validate(options: NodeOptions): Required<Omit<NodeOptions, 'key' | 'cert'>> & NodeOptions {
  if (options === null || typeof options !== 'object') fail('startNode options', options, 'an object')
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
  if ((options.key === undefined) !== (options.cert === undefined)) {
    fail(
      options.key === undefined ? 'key' : 'cert',
      undefined,
      'given together with the other (key and cert)',
    )
  }
  return { ...options, transport, host, port, maxPayload, verifyContent }
}

/** Start a fabric node that accepts load clients and acknowledges every frame. */
export async function startNode(options: NodeOptions = {}): Promise<FabricNode> {
  const settings = validate(options)
  const transport = await transportFor(settings.transport)
  const counters: NodeCounters = {
    connections: 0,
    channelsOpened: 0,
    channelsClosed: 0,
    channelsActive: 0,
    bytes: 0,
    frames: 0,
    acks: 0,
    protocolErrors: 0,
    contentErrors: 0,
    pings: 0,
  }
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
      { host: settings.host, port, ...(settings.key ? { key: settings.key, cert: settings.cert } : {}) },
      accept,
    )
  let listener: Listener | undefined = await bind(settings.port)
  const port = listener.port
  let lastTransportStats: Record<string, number> = listener.stats()
  let pending: Promise<void> = Promise.resolve()
  // stop, kill and restart run one at a time, in the order they were called.
  const serial = (step: () => Promise<void>) => {
    pending = pending.then(step, step)
    return pending
  }
  const shut = async (abrupt: boolean) => {
    const current = listener
    if (!current) return
    listener = undefined
    lastTransportStats = current.stats()
    if (abrupt) {
      for (const session of sessions) session.destroy()
      await current.kill()
    } else {
      await current.close()
    }
    sessions.clear()
  }
  const fingerprint = (listener as Listener & { fingerprint?: string }).fingerprint
  return {
    url: formatUrl(settings.transport, settings.host, port),
    host: settings.host,
    port,
    transport: settings.transport,
    fingerprint,
    get running() {
      return listener !== undefined
    },
    stats: () => ({ ...counters, transport: listener ? listener.stats() : lastTransportStats }),
    stop: () => serial(() => shut(false)),
    kill: () => serial(() => shut(true)),
    restart: () =>
      serial(async () => {
        await shut(false)
        listener = await bind(port)
      }),
  }
}
