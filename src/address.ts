// The one place that reads and writes network addresses: 'host:port', '[v6]:port' and
// 'scheme://host:port'. IPv6 hosts are bracketed wherever a port follows them and bare
// everywhere else (socket options, host fields), so every caller gets the same rules.
import { isIP } from 'node:net'
import { describeValue, FieldError, type FieldErrorClass } from './errors/field-error.js'

/** A host (IPv6 without brackets) and a port. */
export interface HostPort {
  host: string
  port: number
}

/** A parsed 'scheme://host:port' URL; scheme is lowercase. */
export interface AddressUrl extends HostPort {
  scheme: string
}

/** How a parse is checked and how it fails. */
export interface AddressRules {
  /** Accept port 0 ("any free port"), as listen addresses do; default false. */
  allowPortZero?: boolean
  /** The error class thrown; default FieldError. */
  ErrorClass?: FieldErrorClass
  /** What a valid value is, for the error's rule; a detail is appended when one applies. */
  rule?: string
}

/** Rules of a URL parse: the schemes allowed besides the address rules. */
export interface UrlRules extends AddressRules {
  /** Lowercase schemes accepted; default any. */
  schemes?: readonly string[]
}

const HOST_NAME =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?$/
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s

/** The host as it goes before ':port': IPv6 in brackets, anything else as it is. */
export function bracketHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

/** Writes 'host:port' ('[::1]:4433' for IPv6). */
export function formatHostPort(host: string, port: number): string {
  return `${bracketHost(host)}:${port}`
}

/** Writes 'scheme://host:port' ('quic://[::1]:4433' for IPv6). */
export function formatUrl(scheme: string, host: string, port: number): string {
  return `${scheme}://${formatHostPort(host, port)}`
}

/** True when `host` is an IPv4 address, an IPv6 address (bare) or a syntactically valid host name. */
export function isHost(host: string): boolean {
  return isIP(host) !== 0 || (host.length <= 253 && HOST_NAME.test(host) && !/^[\d.]+$/.test(host))
}

/**
 * Reads a host field: an IP address or a host name; IPv6 may come bracketed ('[::1]') or bare
 * ('::1') and is returned bare.
 */
export function parseHost(value: unknown, field: string, rules: AddressRules = {}): string {
  const fail = failure(field, value, rules, 'an IP address or a host name')
  if (typeof value !== 'string' || value.length === 0) throw fail()
  const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value
  if (bare !== value && isIP(bare) !== 6) throw fail('an IPv6 address inside the brackets')
  if (!isHost(bare)) throw fail()
  return bare
}

/** Reads 'host:port' or '[v6]:port'; a bare IPv6 address with a port is refused as ambiguous. */
export function parseHostPort(value: unknown, field: string, rules: AddressRules = {}): HostPort {
  const fail = failure(field, value, rules, "'host:port' ('[::1]:port' for IPv6)")
  if (typeof value !== 'string') throw fail()
  return splitAddress(value, fail, portFailure(field, rules))
}

/** Reads 'scheme://host:port' (one trailing slash allowed); the scheme must be one of rules.schemes. */
export function parseUrl(value: unknown, field: string, rules: UrlRules = {}): AddressUrl {
  const schemes = rules.schemes
  const shape =
    schemes === undefined
      ? "a URL 'scheme://host:port'"
      : `a URL ${schemes.map((s) => `'${s}://host:port'`).join(' or ')}`
  const fail = failure(field, value, rules, shape)
  if (typeof value !== 'string') throw fail()
  const match = SCHEME.exec(value)
  if (!match) throw fail()
  const scheme = match[1]!.toLowerCase()
  if (schemes !== undefined && !schemes.includes(scheme)) throw fail()
  const rest = match[2]!.endsWith('/') ? match[2]!.slice(0, -1) : match[2]!
  return { scheme, ...splitAddress(rest, fail, portFailure(field, rules)) }
}

type Fail = (detail?: string) => FieldError

/** How a bad port fails: the port alone is blamed, with its range ("api port must be ..., got 99999"). */
interface PortRule {
  min: number
  fail(portText: string): FieldError
}

function portFailure(field: string, rules: AddressRules): PortRule {
  const ErrorClass = rules.ErrorClass ?? FieldError
  const min = rules.allowPortZero === true ? 0 : 1
  const rule = `an integer from ${min} to 65535`
  return {
    min,
    fail(portText) {
      const value = /^\d+$/.test(portText) ? Number(portText) : portText
      const shown =
        portText === '' ? 'nothing' : typeof value === 'number' ? portText : describeValue(portText)
      return new ErrorClass(`${field} port`, value, rule, `${field} port must be ${rule}, got ${shown}`)
    },
  }
}

function failure(field: string, value: unknown, rules: AddressRules, shape: string): Fail {
  const ErrorClass = rules.ErrorClass ?? FieldError
  const base = rules.rule ?? shape
  return (detail) => new ErrorClass(field, value, detail ? `${base} with ${detail}` : base)
}

function splitAddress(text: string, fail: Fail, portRule: PortRule): HostPort {
  let host: string
  let portText: string
  if (text.startsWith('[')) {
    const close = text.indexOf(']')
    if (close < 0) throw fail('an IPv6 host closed by a bracket')
    host = text.slice(1, close)
    if (isIP(host) !== 6) throw fail('an IPv6 address inside the brackets')
    if (text[close + 1] !== ':') throw fail('a port')
    portText = text.slice(close + 2)
  } else {
    const colon = text.lastIndexOf(':')
    if (colon < 0) throw fail('a port')
    if (text.indexOf(':') !== colon) throw fail('an IPv6 host in brackets')
    host = text.slice(0, colon)
    portText = text.slice(colon + 1)
    if (!isHost(host)) throw fail('an IP address or a host name')
  }
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN
  if (!(port >= portRule.min && port <= 65_535)) throw portRule.fail(portText)
  return { host, port }
}
