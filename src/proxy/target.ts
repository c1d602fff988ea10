import { formatUrl, parseHostPort, parseUrl } from '../address.js'
import { ImpairmentError } from './errors.js'
import type { ProxyProtocol, ProxyTarget, ProxyTargetInput } from './types.js'

const SCHEMES_BY_PROTOCOL: Record<ProxyProtocol, readonly string[]> = {
  tcp: ['tcp'],
  udp: ['udp', 'quic'],
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
  const rules = {
    ErrorClass: ImpairmentError,
    rule: "'scheme://host:port' or 'host:port' with a port from 1 to 65535",
  }
  const trimmed = text.trim()
  const { scheme, host, port } = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)
    ? parseUrl(trimmed, 'target', rules)
    : { scheme: protocol as string, ...parseHostPort(trimmed, 'target', rules) }
  if (!SCHEMES_BY_PROTOCOL[protocol].includes(scheme)) {
    const wanted = SCHEMES_BY_PROTOCOL[protocol].map((s) => `${s}://`).join(' or ')
    throw new ImpairmentError('target', text, `a ${wanted} URL for a ${protocol} proxy`)
  }
  // A node's frame limit travels with the proxy, so a load through it can check payloadSize up front.
  const maxPayload = typeof input === 'object' && input !== null ? input.maxPayload : undefined
  return {
    scheme,
    host,
    port,
    url: formatUrl(scheme, host, port),
    ...(typeof maxPayload === 'number' ? { maxPayload } : {}),
  }
}

/** Resolve the listen option: 'host:port' or a port number; default 127.0.0.1 on an ephemeral port. */
export function resolveListen(listen: string | number | undefined): { host: string; port: number } {
  if (listen === undefined) return { host: '127.0.0.1', port: 0 }
  if (typeof listen === 'number') {
    if (Number.isInteger(listen) && listen >= 0 && listen <= 65535) return { host: '127.0.0.1', port: listen }
  } else if (typeof listen === 'string') {
    if (/^\d{1,5}$/.test(listen) && Number(listen) <= 65535)
      return { host: '127.0.0.1', port: Number(listen) }
    return parseHostPort(listen, 'listen', {
      allowPortZero: true,
      ErrorClass: ImpairmentError,
      rule: "'host:port' or a port number from 0 to 65535",
    })
  }
  throw new ImpairmentError('listen', listen, "'host:port' or a port number from 0 to 65535")
}
