import { afterEach, describe, expect, test } from 'vitest'
import { createProxy, type Impairment, ImpairmentError, parseDuration } from '../../src/proxy/index.js'
import { startEcho } from '../helpers/tcp.js'

const open: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()))
})

/** A bad impairment given at creation must be rejected with exactly this message. */
const badImpairments: [Impairment, 'tcp' | 'udp', string][] = [
  [{ kind: 'loss', rate: 3 }, 'udp', 'loss.rate must be a number from 0 to 1, got 3'],
  [{ kind: 'loss', rate: 0.1 }, 'tcp', 'kind must be one of the tcp impairments'],
  [{ kind: 'latency', ms: -5 }, 'tcp', 'latency.ms must be a duration'],
  [{ kind: 'latency', ms: '5 parsecs' }, 'tcp', 'latency.ms must be a duration'],
  [
    { kind: 'latency', ms: 5, distribution: 'cauchy' as 'normal' },
    'tcp',
    "latency.distribution must be one of 'uniform', 'normal', 'pareto', got \"cauchy\"",
  ],
  [{ kind: 'latency', ms: 5, direction: 'sideways' as 'both' }, 'tcp', 'latency.direction must be one of'],
  [
    { kind: 'latency', ms: 5, toxicity: 1.5 },
    'tcp',
    'latency.toxicity must be a number from 0 to 1, got 1.5',
  ],
  [
    { kind: 'bandwidth', bitsPerSecond: 0 },
    'tcp',
    'bandwidth.bitsPerSecond must be a number greater than 0, got 0',
  ],
  [{ kind: 'cutoff', afterBytes: 1.5 }, 'tcp', 'cutoff.afterBytes must be a whole number >= 0, got 1.5'],
  [
    { kind: 'slicer', averageSize: 10, sizeVariation: 10 },
    'tcp',
    'slicer.sizeVariation must be less than averageSize (10), got 10',
  ],
  [
    { kind: 'outage', mode: 'explode' as 'refuse' },
    'tcp',
    "outage.mode must be one of 'refuse', 'blackhole'",
  ],
  [{ kind: 'teleport' } as unknown as Impairment, 'tcp', 'kind must be one of the tcp impairments'],
]

describe('bad input', () => {
  test.each(badImpairments)(
    '%j on %s is rejected with a clear error',
    async (impairment, protocol, message) => {
      const echo = await startEcho()
      open.push(echo)
      const error = await createProxy({
        protocol,
        target: `127.0.0.1:${echo.port}`,
        impairments: [impairment],
      }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ImpairmentError)
      expect((error as Error).message).toContain(message)
    },
  )

  test('bad options name the field', async () => {
    await expect(createProxy({ protocol: 'sctp' as 'tcp', target: '127.0.0.1:1' })).rejects.toThrow(
      "protocol must be 'tcp' or 'udp', got \"sctp\"",
    )
    await expect(createProxy({ protocol: 'tcp', target: 'nowhere' })).rejects.toThrow('target must be')
    await expect(createProxy({ protocol: 'tcp', target: 'quic://127.0.0.1:4000' })).rejects.toThrow(
      'target must be a tcp:// URL for a tcp proxy, got "quic://127.0.0.1:4000"',
    )
    await expect(createProxy({ protocol: 'tcp', target: '127.0.0.1:1', listen: 'x:99999' })).rejects.toThrow(
      'listen port must be an integer from 0 to 65535, got 99999',
    )
    await expect(createProxy({ protocol: 'tcp', target: '127.0.0.1:1', seed: -1 })).rejects.toThrow(
      'seed must be a whole number >= 0, got -1',
    )
  })

  test('a bad set() leaves the old impairments in force; duplicate names are refused', async () => {
    const echo = await startEcho()
    open.push(echo)
    const proxy = await createProxy({
      protocol: 'tcp',
      target: echo.url,
      impairments: [{ kind: 'latency', ms: 5 }],
    })
    open.push(proxy)
    expect(() =>
      proxy.set([
        { kind: 'predial', ms: 1 },
        { kind: 'cutoff', afterBytes: -1 },
      ]),
    ).toThrow('cutoff.afterBytes must be a whole number >= 0, got -1')
    expect(proxy.list().map((h) => h.name)).toEqual(['latency_downstream'])
    expect(() => proxy.add({ kind: 'latency', ms: 9 })).toThrow(
      'name must be unique among the impairments of a proxy, got "latency_downstream"',
    )
    expect(() => proxy.flap({ up: '1s', down: 'soon', cycles: 2 })).toThrow('flap.down must be a duration')
    expect(() => proxy.flap({ up: '1s', down: '1s', cycles: 0 })).toThrow(
      'flap.cycles must be a whole number >= 1, got 0',
    )
    expect(() => proxy.timeline([{ at: 10, set: [{ kind: 'loss', rate: 0.1 }] }])).toThrow(
      'kind must be one of',
    )
    expect(proxy.update('latency_downstream', { ms: 7 }).impairment).toMatchObject({ ms: 7 })
    expect(proxy.remove('nothing')).toBe(false)
  })

  test('a port in use is reported and nothing is left listening', async () => {
    const echo = await startEcho()
    open.push(echo)
    await expect(
      createProxy({ protocol: 'tcp', target: echo.url, listen: `127.0.0.1:${echo.port}` }),
    ).rejects.toThrow(/EADDRINUSE/)
  })

  test('durations accept ms numbers and unit strings', () => {
    expect([
      parseDuration('d', 5),
      parseDuration('d', '500ms'),
      parseDuration('d', '2s'),
      parseDuration('d', '1m'),
    ]).toEqual([5, 500, 2000, 60_000])
  })
})
