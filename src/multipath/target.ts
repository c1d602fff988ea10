// A multipath load target: `{ multipath: [pathA, pathB], scheduler? }` (or a multipath node), kept
// in a resolved config as one URL string, 'multipath:tcp://a,tcp://b?scheduler=lowest-rtt', so
// it crosses to worker threads like any target URL.
import { formatUrl, parseUrl } from '../address.js'
import { ConfigError } from '../errors/config-error.js'
import { rejectUnknownKeys } from '../errors/field-error.js'
import { isSchedulerName, SCHEDULER_NAMES, type SchedulerName } from './schedulers/index.js'

/** What a test writes as a multipath target. */
export interface MultipathTargetInput {
  readonly multipath: ReadonlyArray<string | { readonly url: string }>
  readonly scheduler?: SchedulerName
}

const PREFIX = 'multipath:'
const PATH_RULE = "a TCP proxy, a multipath node's path, or 'tcp://host:port'"

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

/** Check a multipath target and give its URL; throws ConfigError naming `field`. */
export function multipathTargetUrl(input: unknown, field: string): string {
  let paths: unknown
  let scheduler: unknown = 'lowest-rtt'
  const url = typeof input === 'string' ? input : (input as { url?: unknown }).url
  if (typeof url === 'string' && url.startsWith(PREFIX)) {
    return formatMultipathUrl(parseMultipathUrl(url, field).paths, 'lowest-rtt')
  }
  if (typeof input === 'object' && input !== null && 'multipath' in input) {
    rejectUnknownKeys(input, ['multipath', 'scheduler'], `${field}.`, ConfigError)
    paths = (input as MultipathTargetInput).multipath
    scheduler = (input as MultipathTargetInput).scheduler ?? 'lowest-rtt'
  }
  if (!Array.isArray(paths) || paths.length === 0) {
    throw new ConfigError(`${field}.multipath`, paths, `a non-empty array of paths (${PATH_RULE})`)
  }
  if (!isSchedulerName(scheduler)) {
    throw new ConfigError(
      `${field}.scheduler`,
      scheduler,
      `one of ${SCHEDULER_NAMES.map((n) => `'${n}'`).join(', ')}`,
    )
  }
  const urls = paths.map((path: unknown, i) => pathUrl(path, `${field}.multipath[${i}]`))
  return formatMultipathUrl(urls, scheduler)
}

function pathUrl(path: unknown, field: string): string {
  const raw =
    typeof path === 'string'
      ? path
      : typeof path === 'object' && path !== null
        ? (path as { url?: unknown }).url
        : undefined
  if (typeof raw === 'string' && (raw.startsWith('quic://') || raw.startsWith('udp://'))) {
    throw new ConfigError(field, raw, `${PATH_RULE}: QUIC subflows are not supported yet`)
  }
  const { host, port } = parseUrl(raw ?? path, field, {
    schemes: ['tcp'],
    rule: PATH_RULE,
    ErrorClass: ConfigError,
  })
  return formatUrl('tcp', host, port)
}

/** The URL a resolved config keeps for a multipath target. */
export function formatMultipathUrl(paths: readonly string[], scheduler: SchedulerName): string {
  return `${PREFIX}${paths.join(',')}?scheduler=${scheduler}`
}

/** The paths and scheduler of a multipath target URL (or of a multipath node's url). */
export function parseMultipathUrl(url: string, field: string): { paths: string[]; scheduler: SchedulerName } {
  const [list = '', query = ''] = url.slice(PREFIX.length).split('?')
  const scheduler = query.startsWith('scheduler=') ? query.slice('scheduler='.length) : 'lowest-rtt'
  if (!isSchedulerName(scheduler)) {
    throw new ConfigError(
      `${field}.scheduler`,
      scheduler,
      `one of ${SCHEDULER_NAMES.map((n) => `'${n}'`).join(', ')}`,
    )
  }
  const paths = list.split(',').map((p, i) => pathUrl(p, `${field}.multipath[${i}]`))
  return { paths, scheduler }
}
