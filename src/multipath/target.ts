// A multipath load target: `{ multipath: [pathA, pathB], scheduler?, fingerprint? }` (or a
// multipath node), kept in a resolved config as one URL string,
// 'multipath:tcp://a,quic://b#<fingerprint>?scheduler=lowest-rtt', so it crosses to worker
// threads like any target URL. A QUIC path's pin travels after '#'.
import { formatUrl, parseUrl } from '../address.js'
import { ConfigError } from '../errors/config-error.js'
import { rejectUnknownKeys } from '../errors/field-error.js'
import { normalizeFingerprint } from '../transport/quic/certificate.js'
import { isSchedulerName, SCHEDULER_NAMES, type SchedulerName } from './schedulers/index.js'

/** One path of a multipath target: a URL string or anything with a url (a proxy, a node path). */
export type MultipathTargetPath = string | { readonly url: string; readonly fingerprint?: string | undefined }

/** What a test writes as a multipath target. */
export interface MultipathTargetInput {
  readonly multipath: ReadonlyArray<MultipathTargetPath>
  readonly scheduler?: SchedulerName
  /** SHA-256 (hex) every QUIC path's certificate must have, unless the path gives its own. */
  readonly fingerprint?: string | undefined
}

/** A path of a parsed multipath URL, as connectMultipath takes it. */
export interface ParsedMultipathPath {
  url: string
  fingerprint?: string
}

const PREFIX = 'multipath:'
const PATH_RULE = "a TCP or UDP proxy, a multipath node's path, 'tcp://host:port' or 'quic://host:port'"

/** True for `{ multipath: [...] }` and for a multipath node (its url starts with 'multipath:'). */
export function isMultipathTarget(input: unknown): boolean {
  if (typeof input !== 'object' || input === null)
    return typeof input === 'string' && input.startsWith(PREFIX)
  return (
    'multipath' in input ||
    (typeof (input as { url?: unknown }).url === 'string' &&
      (input as { url: string }).url.startsWith(PREFIX))
  )
}

function schedulerOf(value: unknown, field: string): SchedulerName {
  if (!isSchedulerName(value)) {
    throw new ConfigError(field, value, `one of ${SCHEDULER_NAMES.map((n) => `'${n}'`).join(', ')}`)
  }
  return value
}

/** Check a multipath target and give its URL; throws ConfigError naming `field`. */
export function multipathTargetUrl(input: unknown, field: string): string {
  const url = typeof input === 'string' ? input : (input as { url?: unknown }).url
  if (typeof url === 'string' && url.startsWith(PREFIX)) {
    // A multipath node: its paths carry the fingerprints its URL cannot.
    const nodePaths = typeof input === 'object' ? (input as { paths?: unknown }).paths : undefined
    if (Array.isArray(nodePaths)) {
      return formatMultipathUrl(
        nodePaths.map((p: unknown, i) => pathUrl(p, undefined, `${field}.paths[${i}]`)),
        'lowest-rtt',
      )
    }
    return formatMultipathUrl(parseMultipathPaths(url, field), 'lowest-rtt')
  }
  let paths: unknown
  let scheduler: unknown = 'lowest-rtt'
  let fingerprint: string | undefined
  if (typeof input === 'object' && input !== null && 'multipath' in input) {
    rejectUnknownKeys(input, ['multipath', 'scheduler', 'fingerprint'], `${field}.`, ConfigError)
    const given = input as MultipathTargetInput
    paths = given.multipath
    scheduler = given.scheduler ?? 'lowest-rtt'
    if (given.fingerprint !== undefined) {
      fingerprint = normalizeFingerprint(given.fingerprint, `${field}.fingerprint`, ConfigError)
    }
  }
  if (!Array.isArray(paths) || paths.length === 0) {
    throw new ConfigError(`${field}.multipath`, paths, `a non-empty array of paths (${PATH_RULE})`)
  }
  const checked = schedulerOf(scheduler, `${field}.scheduler`)
  const urls = paths.map((path: unknown, i) => pathUrl(path, fingerprint, `${field}.multipath[${i}]`))
  return formatMultipathUrl(urls, checked)
}

/** One path as it goes into a multipath URL: 'tcp://h:p', 'quic://h:p' or 'quic://h:p#<pin>'. */
function pathUrl(path: unknown, fingerprint: string | undefined, field: string): string {
  const given =
    typeof path === 'object' && path !== null ? (path as { url?: unknown; fingerprint?: unknown }) : {}
  let raw = typeof path === 'string' ? path : given.url
  let pin = given.fingerprint
  if (typeof raw === 'string' && raw.includes('#')) {
    pin = raw.slice(raw.indexOf('#') + 1)
    raw = raw.slice(0, raw.indexOf('#'))
  }
  const { scheme, host, port } = parseUrl(raw ?? path, field, {
    schemes: ['tcp', 'quic'],
    rule: PATH_RULE,
    ErrorClass: ConfigError,
  })
  if (scheme === 'tcp') {
    if (pin !== undefined) {
      throw new ConfigError(
        `${field}.fingerprint`,
        pin,
        'absent on a tcp:// path (only QUIC paths present certificates)',
      )
    }
    return formatUrl('tcp', host, port)
  }
  const checked =
    pin === undefined ? fingerprint : normalizeFingerprint(pin, `${field}.fingerprint`, ConfigError)
  return checked === undefined ? formatUrl('quic', host, port) : `${formatUrl('quic', host, port)}#${checked}`
}

/** The URL a resolved config keeps for a multipath target. */
export function formatMultipathUrl(paths: readonly string[], scheduler: SchedulerName): string {
  return `${PREFIX}${paths.join(',')}?scheduler=${scheduler}`
}

function parseMultipathPaths(url: string, field: string): string[] {
  const [list = ''] = url.slice(PREFIX.length).split('?')
  return list.split(',').map((p, i) => pathUrl(p, undefined, `${field}.multipath[${i}]`))
}

/** The paths (with their pins) and scheduler of a multipath target URL (or of a multipath node's url). */
export function parseMultipathUrl(
  url: string,
  field: string,
): { paths: ParsedMultipathPath[]; scheduler: SchedulerName } {
  const [, query = ''] = url.slice(PREFIX.length).split('?')
  const scheduler = schedulerOf(
    query.startsWith('scheduler=') ? query.slice('scheduler='.length) : 'lowest-rtt',
    `${field}.scheduler`,
  )
  const paths = parseMultipathPaths(url, field).map((p) => {
    const hash = p.indexOf('#')
    return hash < 0 ? { url: p } : { url: p.slice(0, hash), fingerprint: p.slice(hash + 1) }
  })
  return { paths, scheduler }
}
