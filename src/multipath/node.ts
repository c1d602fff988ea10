// A fabric node whose clients arrive over multipath: one TCP or QUIC listener per path, the fabric
// protocol served over each aggregated connection exactly as a TCP node serves it.
import { describeValue, FieldError, type FieldErrorClass, rejectUnknownKeys } from '../errors/field-error.js'
import { type NodeCounters, NodeSession, zeroNodeCounters } from '../fabric/node-session.js'
import { DEFAULT_MAX_PAYLOAD, HARD_MAX_PAYLOAD } from '../protocol/frames.js'
import { defaultEventBus, type EventBus } from '../run/events.js'
import { userIdentity } from '../transport/quic/certificate.js'
import { multipathLink } from './link.js'
import { listenMultipath, type MultipathListener } from './listener.js'
import { type MultipathTuning, resolveTuning, TUNING_KEYS } from './settings.js'

/** One path of a multipath node: its subflow transport (default 'tcp') and where it listens. */
export interface MultipathPathOptions {
  transport?: 'tcp' | 'quic'
  /** Port to bind on `host`; default 0 (an ephemeral port). */
  listen?: number
}

/** Options for startNode({ transport: 'multipath', ... }). */
export interface MultipathNodeOptions extends MultipathTuning {
  transport: 'multipath'
  /** How many paths (each on its own ephemeral port), or one entry per path. */
  paths: number | MultipathPathOptions[]
  host?: string
  maxPayload?: number
  verifyContent?: boolean
  events?: EventBus
  /** PEM private key and certificate every QUIC path presents, instead of a generated one (both or neither). */
  key?: string
  cert?: string
}

/** A fabric node served over multipath. */
export interface MultipathNode {
  readonly transport: 'multipath'
  /** 'multipath:' and every path's URL, comma-separated. */
  readonly url: string
  /**
   * One 'tcp://host:port' or 'quic://host:port' per path, in order: what proxies stand in front
   * of. A QUIC path also gives the fingerprint of its certificate, for clients to pin.
   */
  readonly paths: ReadonlyArray<{ readonly url: string; readonly fingerprint?: string }>
  /** SHA-256 (hex) of the certificate every QUIC path presents; undefined with no QUIC path. */
  readonly fingerprint: string | undefined
  readonly maxPayload: number
  readonly running: boolean
  /** Node counters, with the listener's under `transport` (cidEntries: connections a subflow may still join). */
  stats(): NodeCounters & { transport: Record<string, number> }
  stop(): Promise<void>
  kill(): Promise<void>
}

const KEYS = [
  'transport',
  'paths',
  'host',
  'maxPayload',
  'verifyContent',
  'events',
  'key',
  'cert',
  ...TUNING_KEYS,
]
const MAX_PATHS = 16

/**
 * Start a multipath fabric node. `ErrorClass` is what bad options throw (startNode passes its
 * NodeOptionsError, which this module cannot import without a cycle).
 */
export async function startMultipathNode(
  options: MultipathNodeOptions,
  ErrorClass: FieldErrorClass = FieldError,
): Promise<MultipathNode> {
  const fail: (field: string, value: unknown, rule: string) => never = (field, value, rule) => {
    throw new ErrorClass(field, value, rule)
  }
  rejectUnknownKeys(options, KEYS, 'node options', ErrorClass)
  const { paths } = options
  const list: MultipathPathOptions[] =
    typeof paths === 'number'
      ? Number.isInteger(paths) && paths >= 1 && paths <= MAX_PATHS
        ? Array.from({ length: paths }, () => ({}))
        : fail('paths', paths, `an integer from 1 to ${MAX_PATHS}, or an array of { transport, listen }`)
      : Array.isArray(paths) && paths.length >= 1 && paths.length <= MAX_PATHS
        ? paths
        : fail('paths', paths, `an integer from 1 to ${MAX_PATHS}, or an array of { transport, listen }`)
  const listen = list.map((path, i) => {
    if (typeof path !== 'object' || path === null)
      fail(`paths[${i}]`, path, 'an object { transport?, listen? }')
    rejectUnknownKeys(path, ['transport', 'listen'], `paths[${i}]`, ErrorClass)
    if (path.transport !== undefined && path.transport !== 'tcp' && path.transport !== 'quic')
      fail(`paths[${i}].transport`, path.transport, "'tcp' or 'quic'")
    const port = path.listen ?? 0
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      fail(`paths[${i}].listen`, port, 'a port from 0 to 65535')
    }
    return { host: options.host ?? '127.0.0.1', port, transport: path.transport ?? 'tcp' }
  })
  const maxPayload = options.maxPayload ?? DEFAULT_MAX_PAYLOAD
  if (!Number.isInteger(maxPayload) || maxPayload < 1 || maxPayload > HARD_MAX_PAYLOAD) {
    fail('maxPayload', maxPayload, `an integer from 1 to ${HARD_MAX_PAYLOAD}`)
  }
  const verifyContent = options.verifyContent ?? true
  if (typeof verifyContent !== 'boolean') fail('verifyContent', verifyContent, 'a boolean')
  const events = options.events ?? defaultEventBus
  if (typeof events !== 'object' || events === null || typeof events.emit !== 'function') {
    fail('events', describeValue(events), 'an EventBus')
  }
  const identity = userIdentity(options.key, options.cert, ErrorClass)
  if (identity && !listen.some((path) => path.transport === 'quic')) {
    throw new ErrorClass(
      options.key !== undefined ? 'key' : 'cert',
      undefined,
      'left out when no path is QUIC',
      "key and cert are for QUIC paths; this node's paths are all TCP",
    )
  }
  let settings: ReturnType<typeof resolveTuning>
  try {
    settings = resolveTuning(options)
  } catch (error) {
    const bad = error as FieldError
    fail(bad.field, bad.value, bad.rule)
  }
  const counters = zeroNodeCounters()
  const sessions = new Set<NodeSession>()
  let listener: MultipathListener | undefined = await listenMultipath(
    listen,
    settings,
    (connection) => {
      counters.connections++
      const session = new NodeSession(
        multipathLink(connection),
        counters,
        maxPayload,
        verifyContent,
        (gone) => sessions.delete(gone),
      )
      sessions.add(session)
    },
    identity,
  )
  const urls = listener.urls
  const listenerFingerprint = listener.fingerprint
  const url = `multipath:${urls.join(',')}`
  const source = `node ${url}`
  events.emit({ source, type: 'node.start', transport: 'multipath' })
  let last: Record<string, number> = { ...listener.stats(), cidEntries: listener.cidEntries() }
  const shut = async (abrupt: boolean) => {
    const current = listener
    if (!current) return
    listener = undefined
    last = { ...current.stats(), cidEntries: current.cidEntries() }
    events.emit({ source, type: abrupt ? 'node.kill' : 'node.stop' })
    if (abrupt) for (const session of sessions) session.destroy()
    await (abrupt ? current.kill() : current.close())
    sessions.clear()
  }
  return {
    transport: 'multipath',
    url,
    paths: urls.map((u) =>
      u.startsWith('quic:') && listenerFingerprint
        ? { url: u, fingerprint: listenerFingerprint }
        : { url: u },
    ),
    fingerprint: listenerFingerprint,
    maxPayload,
    get running() {
      return listener !== undefined
    },
    stats: () => ({
      ...counters,
      transport: listener ? { ...listener.stats(), cidEntries: listener.cidEntries() } : last,
    }),
    stop: () => shut(false),
    kill: () => shut(true),
  }
}
