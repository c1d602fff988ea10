import { describe, expect, it } from 'vitest'
import { ConfigError, resolveConfig } from '../../src/load/config.js'
import { parseDuration } from '../../src/load/duration.js'

const targets = ['tcp://127.0.0.1:4000']

describe('load config', () => {
  it('fills documented defaults', () => {
    const config = resolveConfig({ targets })
    expect(config).toMatchObject({
      streams: 100,
      concurrency: 16,
      bytesPerStream: 65536,
      payloadSize: 16384,
      controlEvery: 0,
      controlBytesPerStream: 4096,
      shortSessions: true,
      poolFailover: true,
      connectTimeoutMs: 5000,
      streamTimeoutMs: 30000,
      ackTimeoutMs: 2000,
      targetQuarantineMs: 5000,
      failureQuarantineMs: 300000,
      failTarget: -1,
      durationMs: 0,
      soak: false,
      timeoutMs: 600000,
      inflightFrames: 1,
      workers: 1,
      requireQuic: false,
    })
    expect(config.maxAckP95Ms).toBeUndefined()
  })

  it('reads 0 as disabled for streamTimeout and ackTimeout, and both quarantine TTLs', () => {
    const config = resolveConfig({
      targets,
      streamTimeout: 0,
      ackTimeout: '0s',
      targetQuarantineTtl: '30s',
      failureQuarantineTtl: '10s',
    })
    expect(config).toMatchObject({ streamTimeoutMs: 0, ackTimeoutMs: 0, targetQuarantineMs: 30000 })
    // A hard failure never gets a shorter quarantine than an ordinary one.
    expect(config.failureQuarantineMs).toBe(30000)
    expect(resolveConfig({ targets, targetQuarantine: '1s' }).targetQuarantineMs).toBe(1000)
  })

  it('caps concurrency at the stream count and takes node-like objects as targets', () => {
    const node = { url: 'quic://[::1]:5000', fingerprint: 'AB:'.repeat(31) + 'AB' }
    const config = resolveConfig({ targets: [node, 'TCP://localhost:1/'], streams: 4, concurrency: 64 })
    expect(config.concurrency).toBe(4)
    // URLs are normalised and fingerprints read as lowercase hex, as the transports compare them.
    expect(config.targets).toEqual(['quic://[::1]:5000', 'tcp://localhost:1'])
    expect(config.fingerprints).toEqual(['ab'.repeat(32), undefined])
  })

  it('keeps a target of several paths as one multipath target, QUIC paths with their pins', () => {
    const config = resolveConfig({ targets: [{ paths: ['tcp://127.0.0.1:1', 'tcp://127.0.0.1:2'] }] })
    expect(config.targets).toEqual(['multipath:tcp://127.0.0.1:1,tcp://127.0.0.1:2?scheduler=lowest-rtt'])
    const pinned = { url: 'quic://127.0.0.1:2', fingerprint: 'CD'.repeat(32) }
    const quic = resolveConfig({ targets: [{ paths: ['quic://127.0.0.1:1', pinned] }] })
    expect(quic.targets).toEqual([
      `multipath:quic://127.0.0.1:1,quic://127.0.0.1:2#${'cd'.repeat(32)}?scheduler=lowest-rtt`,
    ])
    expect(() => resolveConfig({ targets: [{ url: 'quic://127.0.0.1:1', fingerprint: 'ab' }] })).toThrow(
      'targets[0].fingerprint must be a SHA-256 fingerprint (64 hex digits, colons allowed), got',
    )
  })

  it.each([
    [{ streams: -3 }, 'streams must be a positive integer, got -3'],
    [{ streams: 1.5 }, 'streams must be a positive integer, got 1.5'],
    [{ concurrency: 0 }, 'concurrency must be a positive integer, got 0'],
    [{ payloadSize: 2 * 1024 * 1024 }, 'payloadSize must be an integer from 1 to 1048576, got 2097152'],
    [{ inflightFrames: 0 }, 'inflightFrames must be an integer from 1 to 1024, got 0'],
    [
      { ackTimeout: '2 parsecs' },
      "ackTimeout must be a duration (milliseconds as a number, or a string such as '500ms', '2s', '1m'), got '2 parsecs'",
    ],
    [
      { connectTimeout: 0 },
      "connectTimeout must be a positive duration (milliseconds as a number, or a string such as '500ms', '2s', '1m'), got 0",
    ],
    [
      { targetQuarantine: '1s', targetQuarantineTtl: '2s' },
      "targetQuarantine must be left out when targetQuarantineTtl is set (it is the older name of the same setting), got '1s'",
    ],
    [
      { migrateSlowStreams: true },
      'maxAckMs must be a positive number of ms when migrateSlowStreams is on, got undefined',
    ],
    [{ impairTarget: 1 }, 'impairTarget must be an index of targets (0..0), got 1'],
    [{ maxTargetRttMs: -5 }, 'maxTargetRttMs must be a non-negative number of ms (0 = no limit), got -5'],
    [
      { topologyProfile: 'mesh' },
      "topologyProfile must be one of 'public', 'nat-lan-relay', 'mixed-public-nat-lan-relay', 'custom', got 'mesh'",
    ],
    [
      { targets: [{ url: 'tcp://127.0.0.1:1', routeMode: 'carrier' }] },
      "targets[0].routeMode must be one of 'direct', 'lan', 'ice', 'reverse', 'relay', got 'carrier'",
    ],
    [{ reportPath: '' }, "reportPath must be a non-empty file path, got ''"],
    [{ poolFailover: 'yes' }, "poolFailover must be a boolean, got 'yes'"],
    [{ maxAckP95Ms: -1 }, 'maxAckP95Ms must be a non-negative number (0 disables the check), got -1'],
    [{ stream: 3 }, "unknown field 'stream' in load config; did you mean 'streams'?"],
    [
      { timeout: 3e9 },
      'timeout must be a duration of at most 2147483647 ms (about 24.8 days, the longest timer Node keeps), got 3000000000',
    ],
    [{ failTarget: 5 }, 'failTarget must be an index of targets (0..0), got 5'],
    [{ failTarget: -1 }, 'failTarget must be an index of targets (0..0), got -1'],
    [{ maxDatagramSize: 1000 }, 'maxDatagramSize must be an integer from 1200 to 20480, got 1000'],
    [{ targets: [] }, 'targets must be a non-empty array of fabric nodes, proxies or URLs, got []'],
    [
      { targets: ['http://127.0.0.1:80'] },
      "targets[0] must be a fabric node, a proxy, or a URL 'quic://host:port' or 'tcp://host:port', got 'http://127.0.0.1:80'",
    ],
    [{ soak: true, duration: 0 }, 'duration must be a positive duration when soak is on, got 0'],
    [
      { failTarget: 0 },
      'failTarget must be the index of a target that is an in-process node (it has kill()), got 0',
    ],
  ])('rejects %o with one clear error', (patch, message) => {
    const attempt = () => resolveConfig({ targets, ...patch } as never)
    expect(attempt).toThrow(ConfigError)
    expect(attempt).toThrow(message)
  })

  it('refuses failTarget without failAfter instead of killing the target at once', () => {
    const node = { url: 'tcp://127.0.0.1:4000', kill: async () => undefined }
    expect(() => resolveConfig({ targets: [node], failTarget: 0 })).toThrow(
      "failAfter must be a duration when failTarget is set: how long into the run targets[0] is killed ('0s' kills it at once), got undefined",
    )
    expect(resolveConfig({ targets: [node], failTarget: 0, failAfter: '0s' }).failAfterMs).toBe(0)
  })

  it("refuses a payloadSize above an in-process node's frame limit before the run", () => {
    const node = { url: 'tcp://127.0.0.1:4000', maxPayload: 4096 }
    expect(() => resolveConfig({ targets: [node], payloadSize: 8192 })).toThrow(
      'payloadSize must be at most 4096, the largest payload targets[0] (tcp://127.0.0.1:4000) accepts (its maxPayload), got 8192',
    )
    expect(resolveConfig({ targets: [node], payloadSize: 4096 }).payloadSize).toBe(4096)
  })

  it('keeps maxDatagramSize in the recorded config only when set', () => {
    expect(resolveConfig({ targets, maxDatagramSize: 1452 }).maxDatagramSize).toBe(1452)
    expect('maxDatagramSize' in resolveConfig({ targets })).toBe(false)
  })

  it('accepts fractional thresholds and soak with a default minute', () => {
    expect(resolveConfig({ targets, maxAckP95Ms: 0.5 }).maxAckP95Ms).toBe(0.5)
    expect(resolveConfig({ targets, soak: true }).durationMs).toBe(60_000)
  })

  it('parses durations', () => {
    expect(parseDuration(250)).toBe(250)
    expect(parseDuration('500ms')).toBe(500)
    expect(parseDuration('2s')).toBe(2000)
    expect(parseDuration('1.5s')).toBe(1500)
    expect(parseDuration('1m')).toBe(60_000)
    expect(parseDuration('250us')).toBe(0.25)
    expect(parseDuration('-1s')).toBeUndefined()
    expect(parseDuration(Number.NaN)).toBeUndefined()
  })
})
