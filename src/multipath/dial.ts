// The client end: dial every path, the first with an all-zero CID, and hand the subflows to one
// connection that redials failed paths with backoff.
import { parseUrl } from '../address.js'
import { ConfigError } from '../errors/config-error.js'
import { rejectUnknownKeys } from '../errors/field-error.js'
import { RunError } from '../errors/kinds.js'
import { MultipathConnection } from './connection.js'
import { dialSubflow, HANDSHAKE_TIMEOUT_MS, type Handshaken, ZERO_CID } from './handshake.js'
import { type MultipathTuning, resolveTuning, TUNING_KEYS } from './settings.js'

/** A path to dial: 'tcp://host:port', or anything with such a url (a proxy, a node path). */
export type MultipathPathInput = string | { readonly url: string; readonly label?: string }

/** Options of connectMultipath. */
export interface ConnectMultipathOptions extends MultipathTuning {
  paths: readonly MultipathPathInput[]
  /** Give up on the first subflow after this long, ms (default 1000 per path). */
  handshakeTimeoutMs?: number
}

const PATH_RULE = "'tcp://host:port' or a TCP proxy or node path ({ url })"

interface ResolvedPath {
  host: string
  port: number
  label: string
}

function resolvePaths(paths: unknown): ResolvedPath[] {
  if (!Array.isArray(paths) || paths.length === 0) {
    throw new ConfigError('paths', paths, 'a non-empty array of paths')
  }
  return paths.map((input: unknown, i) => {
    const field = `paths[${i}]`
    const url =
      typeof input === 'string'
        ? input
        : typeof input === 'object' && input !== null && typeof (input as { url?: unknown }).url === 'string'
          ? (input as { url: string }).url
          : undefined
    if (url === undefined) throw new ConfigError(field, input, PATH_RULE)
    if (url.toLowerCase().startsWith('quic://') || url.toLowerCase().startsWith('udp://')) {
      throw new ConfigError(field, url, `${PATH_RULE}: QUIC subflows are not supported yet, only TCP`)
    }
    const { host, port } = parseUrl(url, field, {
      schemes: ['tcp'],
      rule: PATH_RULE,
      ErrorClass: ConfigError,
    })
    const label =
      typeof input === 'object' && input !== null ? (input as { label?: unknown }).label : undefined
    return { host, port, label: typeof label === 'string' ? label : url }
  })
}

/** Open one multipath connection over `paths`; resolves once the first subflow is up. */
export async function connectMultipath(options: ConnectMultipathOptions): Promise<MultipathConnection> {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', options, 'an object')
  rejectUnknownKeys(
    options,
    ['paths', 'handshakeTimeoutMs', ...TUNING_KEYS],
    'connectMultipath options',
    ConfigError,
  )
  const paths = resolvePaths(options.paths)
  const settings = resolveTuning(options)
  const handshakeMs = options.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS
  if (!Number.isInteger(handshakeMs) || handshakeMs < 1 || handshakeMs > 60_000) {
    throw new ConfigError('handshakeTimeoutMs', handshakeMs, 'an integer from 1 to 60000')
  }
  // The first subflow gets the CID; paths are tried in order so one dead path does not block the rest.
  let first: Handshaken | undefined
  let firstPath = -1
  const failures: string[] = []
  for (const [i, path] of paths.entries()) {
    try {
      first = await dialSubflow(path.host, path.port, ZERO_CID, handshakeMs)
      firstPath = i
      break
    } catch (error) {
      failures.push((error as Error).message)
    }
  }
  if (!first) {
    throw new RunError('connect_refused', `multipath connect failed on every path: ${failures.join('; ')}`)
  }
  const cid = first.cid
  const redial = (i: number) => {
    const path = paths[i]!
    return dialSubflow(path.host, path.port, cid, handshakeMs)
  }
  const connection = new MultipathConnection(
    cid,
    paths.map((p) => p.label),
    settings,
    redial,
  )
  connection.attach(firstPath, first.socket, first.leftover)
  for (const i of paths.keys()) if (i !== firstPath) connection.dialPath(i)
  // Every path gets its first round trip measured (or fails) before data flows, so the scheduler
  // starts from real RTTs instead of sending everything down whichever path answered first.
  await connection.settled(handshakeMs)
  return connection
}
