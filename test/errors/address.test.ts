import { describe, expect, test } from 'vitest'
import { formatHostPort, formatUrl, parseHost, parseHostPort, parseUrl } from '../../src/address.js'
import { FieldError } from '../../src/errors/field-error.js'
import { ConfigError, parseTargetUrl } from '../../src/load/config.js'

const TRANSPORTS = ['tcp', 'quic'] as const

describe('addresses', () => {
  test('reads IPv4, IPv6 in brackets and host names with a port', () => {
    expect(parseHostPort('127.0.0.1:4433', 'listen')).toEqual({ host: '127.0.0.1', port: 4433 })
    expect(parseHostPort('[::1]:4433', 'listen')).toEqual({ host: '::1', port: 4433 })
    expect(parseHostPort('[2001:db8::7]:80', 'listen')).toEqual({ host: '2001:db8::7', port: 80 })
    expect(parseHostPort('localhost:1', 'listen')).toEqual({ host: 'localhost', port: 1 })
  })

  test('ports: 1 and 65535 pass, 0 only where allowed, 65536 never', () => {
    expect(parseHostPort('127.0.0.1:1', 'a').port).toBe(1)
    expect(parseHostPort('127.0.0.1:65535', 'a').port).toBe(65_535)
    expect(parseHostPort('127.0.0.1:0', 'a', { allowPortZero: true }).port).toBe(0)
    expect(() => parseHostPort('127.0.0.1:0', 'a')).toThrow(
      'a port must be an integer from 1 to 65535, got 0',
    )
    expect(() => parseHostPort('127.0.0.1:65536', 'a', { allowPortZero: true })).toThrow(
      'a port must be an integer from 0 to 65535, got 65536',
    )
    expect(() => parseHostPort('127.0.0.1:-1', 'a')).toThrow('port must be an integer from 1 to 65535')
    expect(() => parseHostPort('127.0.0.1:4e3', 'a')).toThrow('port must be an integer from 1 to 65535')
  })

  test('a missing port, a bare IPv6 address with a port, and bad hosts are refused by name', () => {
    expect(() => parseHostPort('127.0.0.1', 'listen')).toThrow(
      "listen must be 'host:port' ('[::1]:port' for IPv6) with a port, got '127.0.0.1'",
    )
    expect(() => parseHostPort('[::1]', 'listen')).toThrow('with a port')
    expect(() => parseHostPort('::1:4433', 'listen')).toThrow('with an IPv6 host in brackets')
    expect(() => parseHostPort('[127.0.0.1]:80', 'listen')).toThrow(
      'with an IPv6 address inside the brackets',
    )
    expect(() => parseHostPort('bad host:80', 'listen')).toThrow('with an IP address or a host name')
    expect(() => parseHostPort(':80', 'listen')).toThrow('with an IP address or a host name')
    expect(() => parseHostPort(4433, 'listen')).toThrow("listen must be 'host:port'")
    const error = (() => {
      try {
        parseHostPort('x', 'listen')
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(FieldError)
    expect(error).toMatchObject({ field: 'listen', value: 'x' })
  })

  test('host fields take IPv6 bracketed or bare and give it back bare', () => {
    expect(parseHost('::1', 'host')).toBe('::1')
    expect(parseHost('[::1]', 'host')).toBe('::1')
    expect(parseHost('127.0.0.1', 'host')).toBe('127.0.0.1')
    expect(parseHost('localhost', 'host')).toBe('localhost')
    expect(() => parseHost('[localhost]', 'host')).toThrow('with an IPv6 address inside the brackets')
    expect(() => parseHost('', 'host')).toThrow("host must be an IP address or a host name, got ''")
    expect(() => parseHost('999.1.1.1', 'host')).toThrow('host must be an IP address or a host name')
  })

  test('URLs: scheme lowercased, one trailing slash allowed, schemes checked', () => {
    expect(parseUrl('QUIC://127.0.0.1:4433/', 't', { schemes: TRANSPORTS })).toEqual({
      scheme: 'quic',
      host: '127.0.0.1',
      port: 4433,
    })
    expect(parseUrl('tcp://[::1]:9/', 't')).toEqual({ scheme: 'tcp', host: '::1', port: 9 })
    expect(() => parseUrl('tcp://127.0.0.1:9//', 't')).toThrow('port must be an integer from 1 to 65535')
    expect(() => parseUrl('http://127.0.0.1:80', 't', { schemes: TRANSPORTS })).toThrow(
      "t must be a URL 'tcp://host:port' or 'quic://host:port', got 'http://127.0.0.1:80'",
    )
    expect(() => parseUrl('127.0.0.1:80', 't')).toThrow("t must be a URL 'scheme://host:port'")
    expect(() => parseUrl('tcp://127.0.0.1', 't')).toThrow('with a port, got')
    expect(() => parseUrl('tcp://127.0.0.1:65536', 't')).toThrow('port must be an integer from 1 to 65535')
    expect(() => parseUrl('tcp://127.0.0.1:0', 't')).toThrow('port must be an integer from 1 to 65535')
    expect(() => parseUrl('tcp://127.0.0.1:4000/path', 't')).toThrow(
      'port must be an integer from 1 to 65535',
    )
  })

  test('formatting brackets IPv6 and round-trips through parsing', () => {
    expect(formatHostPort('::1', 4433)).toBe('[::1]:4433')
    expect(formatHostPort('[::1]', 4433)).toBe('[::1]:4433')
    expect(formatHostPort('127.0.0.1', 0)).toBe('127.0.0.1:0')
    expect(formatUrl('quic', 'fe80::1', 1)).toBe('quic://[fe80::1]:1')
    for (const [host, port] of [
      ['127.0.0.1', 1],
      ['::1', 65_535],
      ['localhost', 4000],
    ] as const) {
      expect(parseUrl(formatUrl('tcp', host, port), 'u')).toEqual({ scheme: 'tcp', host, port })
      expect(parseHostPort(formatHostPort(host, port), 'a')).toEqual({ host, port })
    }
  })

  test('the load config parses target URLs through the same rules, as ConfigErrors', () => {
    expect(parseTargetUrl('quic://[::1]:4433/', 'targets[0]')).toEqual({
      scheme: 'quic',
      host: '::1',
      port: 4433,
    })
    expect(() => parseTargetUrl('quic://127.0.0.1:65536', 'targets[1]')).toThrow(
      'targets[1] port must be an integer from 1 to 65535, got 65536',
    )
    expect(() => parseTargetUrl('udp://127.0.0.1:1', 'targets[0]')).toThrow(ConfigError)
  })
})
