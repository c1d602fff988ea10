// What a load client aims at. Usually one URL; a multipath target is several paths (each a URL,
// a node or a proxy in front of one) that carry one logical connection together.
import { formatUrl, parseUrl } from '../address.js'
import { ConfigError } from '../errors/config-error.js'
import { DATAGRAM_SIZE_RANGE, TRANSPORT_KINDS, type TransportKind } from './link.js'
import { normalizeFingerprint } from './quic/certificate.js'

/** How a multipath target spreads frames over its paths. */
export const ROUTE_MODES = ['lowest-rtt', 'redundant', 'round-robin'] as const

/**
 * 'lowest-rtt' (default): each frame goes on the path with the lowest round trip and is sent
 * again on the others when its ACK is late; 'redundant': every frame on every path;
 * 'round-robin': frames take the paths in turn.
 */
export type RouteMode = (typeof ROUTE_MODES)[number]

/** One path of a target: where to connect and what to expect there. */
export interface TargetPath {
  /** The path's URL, normalised: lowercase scheme, IPv6 in brackets, no trailing slash. */
  url: string
  transport: TransportKind
  /** Host without brackets. */
  host: string
  port: number
  /** Pinned SHA-256 certificate fingerprint (lowercase hex); QUIC only. */
  fingerprint?: string
}

/** A resolved target: one path (the usual case) or several. */
export interface Target {
  /** The URL reports key the target by: the path's URL, or 'multipath:' and every path's URL. */
  url: string
  paths: TargetPath[]
  route: RouteMode
  /** Largest datagram to send on QUIC paths (bytes); the transport's default when unset. */
  maxDatagramSize?: number
}

/** What a target may be given as: a URL, anything with a url (node, proxy), or `{ paths }`. */
export type TargetInput =
  | string
  | { readonly url: string; readonly fingerprint?: string | undefined; readonly maxDatagramSize?: number }
  | {
      readonly paths: ReadonlyArray<
        string | { readonly url: string; readonly fingerprint?: string | undefined }
      >
      readonly route?: RouteMode
      readonly fingerprint?: string
      readonly maxDatagramSize?: number
    }

const TARGET_RULE =
  "a fabric node, a proxy, a URL 'quic://host:port' or 'tcp://host:port', or { paths: [...] }"
const PATH_RULE = "a fabric node, a proxy, or a URL 'quic://host:port' or 'tcp://host:port'"

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function fingerprintOf(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined
  return normalizeFingerprint(value, field, ConfigError)
}

function resolvePath(input: unknown, field: string, sharedFingerprint: string | undefined): TargetPath {
  const url = typeof input === 'string' ? input : isObject(input) ? input.url : undefined
  if (typeof url !== 'string') throw new ConfigError(field, input, PATH_RULE)
  const { scheme, host, port } = parseUrl(url, field, {
    schemes: TRANSPORT_KINDS,
    rule: PATH_RULE,
    ErrorClass: ConfigError,
  })
  const own = isObject(input) ? fingerprintOf(input.fingerprint, `${field}.fingerprint`) : undefined
  const fingerprint = own ?? sharedFingerprint
  const transport = scheme as TransportKind
  if (own !== undefined && transport !== 'quic') {
    throw new ConfigError(`${field}.fingerprint`, own, 'given only for a quic:// target (TCP has no TLS)')
  }
  return {
    url: formatUrl(scheme, host, port),
    transport,
    host,
    port,
    ...(fingerprint !== undefined && transport === 'quic' ? { fingerprint } : {}),
  }
}

function datagramSize(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined
  const { min, max } = DATAGRAM_SIZE_RANGE
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(field, value, `an integer from ${min} to ${max} bytes`)
  }
  return value
}

/**
 * Turns what a user wrote as a target into a Target: a URL string, a node or proxy (`{ url,
 * fingerprint? }`), or a multipath `{ paths, route?, fingerprint?, maxDatagramSize? }`. Throws a
 * ConfigError naming the field (e.g. 'targets[2].paths[1]'), the value and the rule.
 */
export function resolveTarget(input: unknown, field: string): Target {
  if (isObject(input) && 'paths' in input) {
    const { paths, route = 'lowest-rtt' } = input
    if (!Array.isArray(paths) || paths.length === 0) {
      throw new ConfigError(`${field}.paths`, paths, 'a non-empty array of fabric nodes, proxies or URLs')
    }
    if (!ROUTE_MODES.includes(route as RouteMode)) {
      throw new ConfigError(`${field}.route`, route, `one of ${ROUTE_MODES.map((m) => `'${m}'`).join(', ')}`)
    }
    const shared = fingerprintOf(input.fingerprint, `${field}.fingerprint`)
    const resolved = paths.map((path, i) => {
      if (isObject(path) && 'paths' in path) {
        throw new ConfigError(`${field}.paths[${i}]`, path, `${PATH_RULE} (paths do not nest)`)
      }
      return resolvePath(path, `${field}.paths[${i}]`, shared)
    })
    const seen = new Set<string>()
    for (const [i, path] of resolved.entries()) {
      if (seen.has(path.url)) {
        throw new ConfigError(`${field}.paths[${i}]`, path.url, 'a path not already in the target')
      }
      seen.add(path.url)
    }
    const maxDatagramSize = datagramSize(input.maxDatagramSize, `${field}.maxDatagramSize`)
    return {
      url: resolved.length === 1 ? resolved[0]!.url : `multipath:${resolved.map((p) => p.url).join(',')}`,
      paths: resolved,
      route: route as RouteMode,
      ...(maxDatagramSize !== undefined ? { maxDatagramSize } : {}),
    }
  }
  if (typeof input !== 'string' && !(isObject(input) && typeof input.url === 'string')) {
    throw new ConfigError(field, input, TARGET_RULE)
  }
  const path = resolvePath(input, field, undefined)
  const maxDatagramSize = isObject(input)
    ? datagramSize(input.maxDatagramSize, `${field}.maxDatagramSize`)
    : undefined
  return {
    url: path.url,
    paths: [path],
    route: 'lowest-rtt',
    ...(maxDatagramSize !== undefined ? { maxDatagramSize } : {}),
  }
}
