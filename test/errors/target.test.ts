import { describe, expect, test } from 'vitest'
import { ConfigError } from '../../src/load/config.js'
import { resolveTarget } from '../../src/transport/index.js'

const PIN = 'AB:'.repeat(31) + 'AB'
const PIN_HEX = 'ab'.repeat(32)

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

describe('resolveTarget', () => {
  test('a URL string is a one-path target with a normalised URL', () => {
    expect(resolveTarget('QUIC://[::1]:4433/', 'targets[0]')).toEqual({
      url: 'quic://[::1]:4433',
      paths: [{ url: 'quic://[::1]:4433', transport: 'quic', host: '::1', port: 4433 }],
      route: 'lowest-rtt',
    })
  })

  test('a node or proxy keeps its pinned fingerprint (normalised) and datagram size', () => {
    const node = { url: 'quic://127.0.0.1:4433', fingerprint: PIN, maxDatagramSize: 1452, stats: () => ({}) }
    expect(resolveTarget(node, 'targets[1]')).toEqual({
      url: 'quic://127.0.0.1:4433',
      paths: [
        {
          url: 'quic://127.0.0.1:4433',
          transport: 'quic',
          host: '127.0.0.1',
          port: 4433,
          fingerprint: PIN_HEX,
        },
      ],
      route: 'lowest-rtt',
      maxDatagramSize: 1452,
    })
    // A TCP node reports no fingerprint; undefined is not a pin.
    expect(resolveTarget({ url: 'tcp://127.0.0.1:9', fingerprint: undefined }, 't').paths[0]).toEqual({
      url: 'tcp://127.0.0.1:9',
      transport: 'tcp',
      host: '127.0.0.1',
      port: 9,
    })
  })

  test('a multipath target: paths of URLs and nodes, a shared pin for QUIC paths, a route mode', () => {
    const target = resolveTarget(
      {
        paths: [
          'quic://127.0.0.1:4001',
          { url: 'quic://127.0.0.1:4002', fingerprint: 'cd'.repeat(32) },
          'tcp://[::1]:4003',
        ],
        route: 'redundant',
        fingerprint: PIN,
      },
      'targets[0]',
    )
    expect(target.url).toBe('multipath:quic://127.0.0.1:4001,quic://127.0.0.1:4002,tcp://[::1]:4003')
    expect(target.route).toBe('redundant')
    expect(target.paths.map((p) => p.fingerprint)).toEqual([PIN_HEX, 'cd'.repeat(32), undefined])
    expect(target.paths[2]).toMatchObject({ transport: 'tcp', host: '::1', port: 4003 })
  })

  test('bad input is a ConfigError naming the field, the value and the rule', () => {
    const cases: Array<[unknown, string]> = [
      [
        42,
        "targets[0] must be a fabric node, a proxy, a URL 'quic://host:port' or 'tcp://host:port', or { paths: [...] }, got 42",
      ],
      [
        'udp://127.0.0.1:1',
        "targets[0] must be a fabric node, a proxy, or a URL 'quic://host:port' or 'tcp://host:port', got 'udp://127.0.0.1:1'",
      ],
      ['quic://127.0.0.1:65536', 'targets[0] port must be an integer from 1 to 65535, got 65536'],
      ['quic://127.0.0.1', 'with a port, got'],
      [
        { url: 'quic://127.0.0.1:1', fingerprint: 'abc' },
        "targets[0].fingerprint must be a SHA-256 fingerprint (64 hex digits, colons allowed), got 'abc'",
      ],
      [
        { url: 'tcp://127.0.0.1:1', fingerprint: PIN },
        'targets[0].fingerprint must be given only for a quic:// target (TCP has no TLS)',
      ],
      [
        { url: 'quic://127.0.0.1:1', maxDatagramSize: 1000 },
        'targets[0].maxDatagramSize must be an integer from 1200 to 20480 bytes, got 1000',
      ],
      [{ paths: [] }, 'targets[0].paths must be a non-empty array of fabric nodes, proxies or URLs, got []'],
      [
        { paths: ['quic://127.0.0.1:1'], route: 'fastest' },
        "targets[0].route must be one of 'lowest-rtt', 'redundant', 'round-robin', got 'fastest'",
      ],
      [
        { paths: ['quic://127.0.0.1:1', 'http://x:1'] },
        'targets[0].paths[1] must be a fabric node, a proxy, or a URL',
      ],
      [
        { paths: ['quic://127.0.0.1:1', 'quic://127.0.0.1:1/'] },
        "targets[0].paths[1] must be a path not already in the target, got 'quic://127.0.0.1:1'",
      ],
      [
        { paths: [{ paths: ['quic://127.0.0.1:1'] }] },
        'targets[0].paths[0] must be a fabric node, a proxy, or a URL',
      ],
    ]
    for (const [input, message] of cases) {
      const error = thrown(() => resolveTarget(input, 'targets[0]'))
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as Error).message).toContain(message)
    }
  })
})
