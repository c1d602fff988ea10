// The client end: dial every path, the first with an all-zero CID, and hand the subflows to one
// connection that redials failed paths with backoff.
import { parseUrl } from '../address.js'
import { ConfigError } from '../errors/config-error.js'
import { rejectUnknownKeys } from '../errors/field-error.js'
import { RunError } from '../errors/kinds.js'
import { normalizeFingerprint } from '../transport/quic/certificate.js'
import { MultipathConnection } from './connection.js'
import { type DialPath, dialSubflow, HANDSHAKE_TIMEOUT_MS, type Handshaken, ZERO_CID } from './handshake.js'
import { type MultipathTuning, resolveTuning, TUNING_KEYS } from './settings.js'

/**
 * A path to dial: 'tcp://host:port' or 'quic://host:port', or anything with such a url (a proxy,
 * a node path); a QUIC path may carry the `fingerprint` its certificate must have.
 */
export type MultipathPathInput =
  | string
  | { readonly url: string; readonly label?: string; readonly fingerprint?: string | undefined }

/** Options of connectMultipath. */
export interface ConnectMultipathOptions extends MultipathTuning {
  paths: readonly MultipathPathInput[]
  /** Give up on the first subflow after this long, ms (default 1000 per path). */
  handshakeTimeoutMs?: number
  /** SHA-256 (hex) the certificate of every QUIC path must have, unless the path gives its own. */
  fingerprint?: string
}

const PATH_RULE = "'tcp://host:port', 'quic://host:port', or a proxy or node path ({ url })"

interface ResolvedPath extends DialPath {
  label: string
}

function pin(value: unknown, field: string): string | undefined {
  return value === undefined ? undefined : normalizeFingerprint(value, field, ConfigError)
}

function resolvePaths(paths: unknown, fingerprint: string | undefined): ResolvedPath[] {
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
    const { scheme, host, port } = parseUrl(url, field, {
      schemes: ['tcp', 'quic'],
      rule: PATH_RULE,
      ErrorClass: ConfigError,
    })
    const given =
      typeof input === 'object' && input !== null ? (input as { label?: unknown; fingerprint?: unknown }) : {}
    const label = typeof given.label === 'string' ? given.label : url
    if (scheme === 'tcp') {
      if (given.fingerprint !== undefined) {
        throw new ConfigError(
          `${field}.fingerprint`,
          given.fingerprint,
          'absent on a tcp:// path (only QUIC paths present certificates)',
        )
      }
      return { transport: 'tcp', host, port, label }
    }
    return {
      transport: 'quic',
      host,
      port,
      label,
      fingerprint: pin(given.fingerprint, `${field}.fingerprint`) ?? fingerprint,
    }
  })
}

/** Open one multipath connection over `paths`; resolves once the first subflow is up. */
export async function connectMultipath(options: ConnectMultipathOptions): Promise<MultipathConnection> {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', options, 'an object')
  rejectUnknownKeys(
    options,
    ['paths', 'handshakeTimeoutMs', 'fingerprint', ...TUNING_KEYS],
    'connectMultipath options',
    ConfigError,
  )
  const paths = resolvePaths(options.paths, pin(options.fingerprint, 'fingerprint'))
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
      first = await dialSubflow(path, ZERO_CID, handshakeMs)
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
    return dialSubflow(path, cid, handshakeMs)
  }
  const connection = new MultipathConnection(
    cid,
    paths.map((p) => p.label),
    settings,
    redial,
  )
  connection.attach(firstPath, first.wire, first.leftover)
  for (const i of paths.keys()) if (i !== firstPath) connection.dialPath(i)
  // Every path gets its first round trip measured (or fails) before data flows, so the scheduler
  // starts from real RTTs instead of sending everything down whichever path answered first.
  await connection.settled(handshakeMs)
  return connection
}
