import { ImpairmentError } from './errors.js'
import type { ProxyProtocol, ProxyTarget, ProxyTargetInput } from './types.js'

const SCHEMES_BY_PROTOCOL: Record<ProxyProtocol, readonly string[]> = {
  tcp: ['tcp'],
  udp: ['udp', 'quic'],
}

/** Split 'host:port' or '[v6]:port'; undefined when it is not one. */
export function splitHostPort(text: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim())
  if (!match) return undefined
  const port = Number(match[3])
  if (port > 65535) return undefined
  return { host: (match[1] ?? match[2]) as string, port }
}

/** Format host and port as an address, bracketing IPv6. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}

/** Resolve a target given as a node, a URL or 'host:port', and check the proxy's protocol can carry it. */
export function resolveTarget(protocol: ProxyProtocol, input: ProxyTargetInput): ProxyTarget {
  const text = typeof input === 'string' ? input : input && typeof input === 'object' ? input.url : undefined
  if (typeof text !== 'string') {
    throw new ImpairmentError(
      'target',
      input,
      "a URL such as 'tcp://127.0.0.1:4000', 'host:port', or a node with a url",
    )
  }
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\/(.*?)\/?$/i.exec(text.trim())
  const scheme = schemeMatch ? (schemeMatch[1] as string).toLowerCase() : protocol
  const address = splitHostPort(schemeMatch ? (schemeMatch[2] as string) : text)
  if (!address || address.port === 0) {
    throw new ImpairmentError(
      'target',
      text,
      "'scheme://host:port' or 'host:port' with a port from 1 to 65535",
    )
  }
  if (!SCHEMES_BY_PROTOCOL[protocol].includes(scheme)) {
    const wanted = SCHEMES_BY_PROTOCOL[protocol].map((s) => `${s}://`).join(' or ')
    throw new ImpairmentError('target', text, `a ${wanted} URL for a ${protocol} proxy`)
  }
  return {
    scheme,
    host: address.host,
    port: address.port,
    url: `${scheme}://${joinHostPort(address.host, address.port)}`,
  }
}

/** Resolve the listen option: 'host:port' or a port number; default 127.0.0.1 on an ephemeral port. */
export function resolveListen(listen: string | number | undefined): { host: string; port: number } {
  if (listen === undefined) return { host: '127.0.0.1', port: 0 }
  if (typeof listen === 'number') {
    if (Number.isInteger(listen) && listen >= 0 && listen <= 65535) return { host: '127.0.0.1', port: listen }
  } else if (typeof listen === 'string') {
    const address = splitHostPort(listen)
    if (address) return address
    if (/^\d{1,5}$/.test(listen) && Number(listen) <= 65535)
      return { host: '127.0.0.1', port: Number(listen) }
  }
  throw new ImpairmentError('listen', listen, "'host:port' or a port number from 0 to 65535")
}
