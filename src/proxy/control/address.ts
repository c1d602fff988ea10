// 'host:port' strings, as toxiproxy and the CLI write addresses.
import { isIP } from 'node:net'

/** A parsed 'host:port' address. */
export interface HostPort {
  host: string
  port: number
}

/** Parses 'host:port' ('[::1]:80' for IPv6); `field` names the value in the error. */
export function parseHostPort(
  value: unknown,
  field: string,
  options: { allowPortZero?: boolean } = {},
): HostPort {
  if (typeof value !== 'string' || value.length === 0) {
    throw new TypeError(`${field} must be a 'host:port' string, got ${JSON.stringify(value)}`)
  }
  let host: string
  let portText: string
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(value)
  if (bracketed) {
    host = bracketed[1]!
    portText = bracketed[2]!
  } else {
    const colon = value.lastIndexOf(':')
    if (colon <= 0 || value.indexOf(':') !== colon) {
      throw new TypeError(`${field} must be a 'host:port' string, got ${JSON.stringify(value)}`)
    }
    host = value.slice(0, colon)
    portText = value.slice(colon + 1)
  }
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN
  const min = options.allowPortZero === false ? 1 : 0
  if (!Number.isInteger(port) || port < min || port > 65535) {
    // Blame the port alone: the host part was fine.
    throw new RangeError(
      `${field} port must be an integer from ${min} to 65535, got ${portText || 'nothing'}`,
    )
  }
  if (isIP(host) === 0 && !/^[A-Za-z0-9.-]+$/.test(host)) {
    throw new TypeError(`${field} host must be an IP address or a host name, got ${JSON.stringify(value)}`)
  }
  return { host, port }
}

/** Writes host and port back as 'host:port' ('[::1]:80' for IPv6). */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
