// Listen and upstream addresses as toxiproxy takes them: any non-empty text is accepted on create and
// only resolved when used (listening, dialling), with Go's net.SplitHostPort rules and service names
// such as 'http' for ports. An empty listen host binds 127.0.0.1, not every interface as Go would.

import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { formatHostPort } from '../../address.js'
import type { ProxyTarget } from '../types.js'
import { ControlError } from './http.js'

/** Where a proxy listens when no host is given: this machine only. */
export const DEFAULT_LISTEN_HOST = '127.0.0.1'

/** Splits 'host:port' or '[v6]:port' as Go's net.SplitHostPort, or gives Go's reason it cannot. */
export function splitHostPort(text: string): { host: string; port: string } | { error: string } {
  const missing = { error: `address ${text}: missing port in address` }
  const colon = text.lastIndexOf(':')
  if (colon < 0) return missing
  if (text.startsWith('[')) {
    const close = text.indexOf(']')
    if (close < 0) return { error: `address ${text}: missing ']' in address` }
    if (close + 1 === text.length) return missing
    if (close + 1 !== colon) return { error: `address ${text}: too many colons in address` }
    return { host: text.slice(1, close), port: text.slice(colon + 1) }
  }
  const host = text.slice(0, colon)
  if (host.includes(':')) return { error: `address ${text}: too many colons in address` }
  return { host, port: text.slice(colon + 1) }
}

/** A port number, or a TCP service name from /etc/services ('http' is 80); undefined when unknown. */
export function servicePort(text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    const port = Number(text)
    return port <= 65535 ? port : undefined
  }
  return services().get(text.toLowerCase())
}

/** The address to bind for a toxiproxy listen string, or a 500 with Go's reason (as toxiproxy answers). */
export function listenAddress(listen: string): { host: string; port: number } {
  if (listen === '') return { host: DEFAULT_LISTEN_HOST, port: 0 }
  const split = splitHostPort(listen)
  if ('error' in split) throw new ControlError(500, `listen tcp ${split.error}`)
  const port = servicePort(split.port)
  if (port === undefined) throw new ControlError(500, `listen tcp: lookup tcp/${split.port}: unknown port`)
  // 'localhost' binds 127.0.0.1 as Go does (Node might pick ::1 first), without a name lookup.
  const host =
    split.host === '' || split.host.toLowerCase() === 'localhost' ? DEFAULT_LISTEN_HOST : split.host
  return { host, port }
}

/**
 * The target to dial for a toxiproxy upstream string. The name is resolved at each dial, as Go's
 * net.Dial does; an upstream that cannot be dialled at all (no port, unknown service) gets port 0, which
 * fails every dial, so the failure shows up in the proxy's counters as it would in toxiproxy's logs.
 */
export function dialTarget(upstream: string): ProxyTarget {
  const split = splitHostPort(upstream)
  const host = 'error' in split || split.host === '' ? DEFAULT_LISTEN_HOST : split.host
  const port = 'error' in split ? 0 : (servicePort(split.port) ?? 0)
  return { scheme: 'tcp', host, port, url: `tcp://${formatHostPort(host, port)}` }
}

/**
 * The form two listen strings are compared in, as toxiproxy's Differs compares them after resolving:
 * 'localhost' and an empty host are 127.0.0.1, IPv6 is in its canonical form, service names are numbers.
 * Other host names are compared as written, since resolving them here would mean a name lookup.
 */
export function comparableListen(listen: string): string {
  const { host, port } = listenAddress(listen)
  if (isIP(host) === 6) return formatHostPort(new URL(`http://[${host}]`).hostname.slice(1, -1), port)
  return formatHostPort(host.toLowerCase(), port)
}

const GO_SERVICES: Record<string, number> = {
  ftp: 21,
  ftps: 990,
  gopher: 70,
  http: 80,
  https: 443,
  imap2: 143,
  imap3: 220,
  imaps: 993,
  pop3: 110,
  pop3s: 995,
  smtp: 25,
  submissions: 465,
  ssh: 22,
  telnet: 23,
}

let serviceTable: Map<string, number> | undefined

function services(): Map<string, number> {
  if (serviceTable) return serviceTable
  // Go's own fallback when the system has no services database.
  serviceTable = new Map(Object.entries(GO_SERVICES))
  let text = ''
  try {
    text = readFileSync('/etc/services', 'utf8')
  } catch {
    // No services database (some containers): Go's fallback list stands.
  }
  for (const line of text.split('\n')) {
    const [name, portProto, ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/)
    const match = /^(\d+)\/tcp$/.exec(portProto ?? '')
    if (!name || !match) continue
    for (const alias of [name, ...aliases]) serviceTable.set(alias.toLowerCase(), Number(match[1]))
  }
  return serviceTable
}
