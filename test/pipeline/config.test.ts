import { describe, expect, test } from 'vitest'
import { ConfigError, type PipelineConfig, runPipeline } from '../../src/index.js'
import { resolvePipelineConfig } from '../../src/pipeline/config.js'

const base = { hops: 3, pps: 1000, count: 100 }

describe('pipeline config', () => {
  test('defaults: 1400-byte packets, 1024-packet pools, no impairments', () => {
    const resolved = resolvePipelineConfig(base)
    expect(resolved).toMatchObject({
      packetSize: 1400,
      bufferPackets: 1024,
      total: 100,
      impair: [],
      stats: false,
    })
    expect(resolved.hops).toEqual([
      { kind: 'relay', bufferPackets: 1024, delayUs: 0 },
      { kind: 'relay', bufferPackets: 1024, delayUs: 0 },
      { kind: 'relay', bufferPackets: 1024, delayUs: 0 },
    ])
    expect(resolvePipelineConfig({ hops: [{ delayUs: 50 }], pps: 2000, duration: '1.5s' }).total).toBe(3000)
  })

  test.each([
    [{ ...base, pps: 0 }, 'pps must be an integer from 1 to 10000000, got 0'],
    [{ ...base, hops: 0 }, 'hops must be an integer from 1 to 16, got 0'],
    [{ ...base, pp: 5 }, "unknown field 'pp' in pipeline config; did you mean 'pps'?"],
    [{ ...base, duration: '1s' }, 'exactly one of count or duration'],
    [{ hops: 1, pps: 10 }, 'exactly one of count or duration'],
    [
      { ...base, count: undefined, duration: 'soon' },
      "duration must be a duration over 0 and at most 24 h ('2s', '500ms' or ms), got 'soon'",
    ],
    [{ ...base, hops: [{ delayUs: -1 }] }, 'hops[0].delayUs must be an integer from 0 to 1000000, got -1'],
    [
      { ...base, hops: [{ bufferPacket: 8 }] },
      "unknown field 'bufferPacket' in hops[0]; did you mean 'bufferPackets'?",
    ],
    [{ ...base, packetSize: 8 }, 'packetSize must be an integer from 12 to 1000000, got 8'],
    [
      { ...base, impair: [{ between: [1, 3], impairments: [] }] },
      'impair[0].between must be neighbours [i, i + 1]',
    ],
    [{ ...base, hops: [{ address: '127.0.0.1:9' }] }, 'hops[0].forward must be'],
    [
      { ...base, hops: [{ command: [], listen: '127.0.0.1:9' }] },
      'hops[0].command must be a non-empty array',
    ],
    [{ ...base, hops: [{ command: ['x'] }] }, 'hops[0].listen must be'],
    [
      { ...base, hops: [{ command: ['x'], listen: '10.0.0.1:9' }] },
      "hops[0].listen must be '127.0.0.1:port' (user hops run on loopback), got '10.0.0.1:9'",
    ],
    [
      { ...base, hops: [{ command: ['x'], listen: '127.0.0.1:9', fwd: 1 }] },
      "unknown field 'fwd' in hops[0]",
    ],
    [
      {
        ...base,
        hops: [
          { address: '127.0.0.1:9', forward: '127.0.0.1:10' },
          { command: ['x'], listen: '127.0.0.1:11' },
        ],
      },
      'hops[0].forward must be the address the next hop receives on (127.0.0.1:11), or left out',
    ],
    [
      {
        ...base,
        hops: [
          { address: '127.0.0.1:8', forward: '127.0.0.1:10' },
          { address: '127.0.0.1:10', forward: '127.0.0.1:8' },
          { address: '127.0.0.1:8', forward: '127.0.0.1:12' },
        ],
      },
      'hops[2].address must be a port no other hop uses (hops[0].address uses it)',
    ],
    [{ ...base, namespaces: 'yes' }, "namespaces must be a boolean, got 'yes'"],
    [
      { ...base, namespaces: true, hops: [{}, { address: '127.0.0.1:9', forward: '127.0.0.1:10' }] },
      'hops[1] must be a hop quicksand runs when namespaces is true (user hops run on loopback)',
    ],
    [
      { ...base, namespaces: true, impair: [{ between: [0, 1], impairments: [] }] },
      'impair must be left out when namespaces is true',
    ],
  ])('refuses %j', (config, message) => {
    expect(() => resolvePipelineConfig(config)).toThrow(ConfigError)
    expect(() => resolvePipelineConfig(config)).toThrow(message)
  })

  test('a packet over the loopback MTU is refused up front, naming the sizes', async () => {
    const config: PipelineConfig = { ...base, packetSize: 65_509 }
    await expect(runPipeline(config)).rejects.toThrow(
      'packetSize 65509 + 28 bytes of IP/UDP headers = 65537 bytes is over the path MTU of 65536 bytes (loopback)',
    )
  })
})
