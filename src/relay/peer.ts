// The peer a relay delivers to: a fabric-protocol server that records each whole, verified segment
// once, like the lab's peer and its peer-received.json.
import { formatUrl } from '../address.js'
import { FieldError, rejectUnknownKeys } from '../errors/field-error.js'
import { defaultEventBus, type EventBus } from '../run/events.js'
import { transportFor } from '../transport/index.js'
import { ListenerControl } from '../transport/listener-control.js'
import { generateCertificate } from '../transport/quic/certificate.js'
import type { Link, TransportKind } from '../transport/types.js'
import { type PeerCounters, PeerSession } from './peer-session.js'

/** Options of startPeer. */
export interface PeerOptions {
  /** 'quic' (default) or 'tcp'. */
  transport?: TransportKind
  /** Address to bind; default 127.0.0.1. */
  host?: string
  /** Port to bind; default 0 (an ephemeral port). */
  port?: number
  /** Where the peer publishes peer.start, peer.kill, peer.stop and peer.restart; default defaultEventBus. */
  events?: EventBus
}

/** One segment as the peer recorded it. */
export interface ReceivedSegment {
  id: string
  size: number
  /** SHA-256 of the bytes received (hex). */
  sha256: string
  /** When it was recorded (ms since the epoch). */
  at: number
}

/** A running peer. */
export interface RelayPeer {
  readonly url: string
  readonly host: string
  readonly port: number
  readonly transport: TransportKind
  /** SHA-256 fingerprint of the QUIC peer's certificate (kept across restarts); undefined for TCP. */
  readonly fingerprint: string | undefined
  readonly running: boolean
  /** Every segment recorded, in order; a segment is never listed twice. */
  received(): ReceivedSegment[]
  /** The bytes of a recorded segment. */
  bytes(id: string): Buffer | undefined
  stats(): PeerCounters
  /** Graceful stop. */
  stop(): Promise<void>
  /** Abrupt stop, as a crash: connections dropped with no goodbye. What was recorded stays. */
  kill(): Promise<void>
  /** Listen again on the same port with the same certificate. */
  restart(): Promise<void>
  /** Same as stop(); lets helpers that close things take a peer. */
  close(): Promise<void>
}

const PEER_KEYS = ['transport', 'host', 'port', 'events']

/** Starts a peer that records every segment a relay delivers, once. */
export async function startPeer(options: PeerOptions = {}): Promise<RelayPeer> {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new FieldError('startPeer options', options, 'an object')
  }
  rejectUnknownKeys(options, PEER_KEYS, 'peer options')
  const kind = options.transport ?? 'quic'
  if (kind !== 'quic' && kind !== 'tcp') throw new FieldError('transport', kind, "'quic' or 'tcp'")
  const host = options.host ?? '127.0.0.1'
  if (typeof host !== 'string' || host.length === 0) throw new FieldError('host', host, 'a non-empty string')
  const wanted = options.port ?? 0
  if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65535) {
    throw new FieldError('port', wanted, 'an integer from 0 to 65535')
  }
  const events = options.events ?? defaultEventBus
  const transport = await transportFor(kind)
  const identity = kind === 'quic' ? generateCertificate() : undefined
  const counters: PeerCounters = { connections: 0, recorded: 0, duplicates: 0, cut: 0, rejected: 0 }
  const received: ReceivedSegment[] = []
  const store = new Map<string, Buffer>()
  const sessions = new Set<PeerSession>()
  const accept = (link: Link) => {
    counters.connections++
    const session = new PeerSession(
      link,
      counters,
      (header, data) => {
        store.set(header.id, data)
        received.push({ id: header.id, size: data.length, sha256: header.sha256, at: Date.now() })
        counters.recorded++
      },
      (id) => store.has(id),
      (gone) => sessions.delete(gone),
    )
    sessions.add(session)
  }
  const bind = (port: number) =>
    transport.listen({ host, port, ...(identity ? { key: identity.key, cert: identity.cert } : {}) }, accept)
  const first = await bind(wanted)
  const port = first.port
  const url = formatUrl(kind, host, port)
  const source = `peer ${url}`
  const control = new ListenerControl(first, sessions, {
    bind: () => bind(port),
    down: (_, abrupt) => events.emit({ source, type: abrupt ? 'peer.kill' : 'peer.stop' }),
    up: () => events.emit({ source, type: 'peer.restart' }),
  })
  events.emit({ source, type: 'peer.start', transport: kind })
  return {
    url,
    host,
    port,
    transport: kind,
    fingerprint: identity?.fingerprint,
    get running() {
      return control.listener !== undefined
    },
    received: () => received.map((r) => ({ ...r })),
    bytes: (id) => store.get(id),
    stats: () => ({ ...counters }),
    stop: () => control.stop(),
    kill: () => control.kill(),
    close: () => control.stop(),
    restart: () => control.restart(),
  }
}
