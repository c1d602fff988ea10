// The load runner drives a multipath target: fabric streams over one connection per worker that
// spreads its frames over several TCP paths to a multipath node.
import { afterEach, describe, expect, it } from 'vitest'
import { createFabricFixture } from '../../src/fabric/fixture.js'
import { NodeOptionsError, startNode } from '../../src/fabric/node.js'
import { ConfigError } from '../../src/load/config.js'
import { runLoad } from '../../src/load/run.js'
import { createProxy } from '../../src/proxy/proxy.js'
import { generateCertificate } from '../../src/transport/quic/certificate.js'
import { closeTracked, track } from '../helpers/cleanup.js'
import { until } from '../helpers/wait.js'

afterEach(closeTracked)

describe('multipath load target', () => {
  it('runs fabric streams over two proxied paths and reports per-path stats', async () => {
    const node = await startNode({ transport: 'multipath', paths: 2 })
    track({ close: () => node.kill() })
    const proxies = await Promise.all(
      node.paths.map((path) => createProxy({ protocol: 'tcp', target: path.url })),
    )
    for (const proxy of proxies) track(proxy)
    const report = await runLoad({
      targets: [{ multipath: proxies, scheduler: 'round-robin' }],
      streams: 20,
      concurrency: 4,
      workers: 1,
      bytesPerStream: 64 * 1024,
    })
    expect(report.successfulStreams).toBe(20)
    expect(report.bytesSent).toBe(20 * 64 * 1024)
    expect(node.stats().contentErrors).toBe(0)
    expect(node.stats().bytes).toBe(20 * 64 * 1024)
    const url = `multipath:${proxies.map((p) => p.url).join(',')}?scheduler=round-robin`
    const connections = report.transportSnapshot.multipath?.[url]
    expect(connections?.length).toBe(1)
    const paths = connections![0]!.paths
    expect(paths.map((p) => p.label)).toEqual(proxies.map((p) => p.url))
    // Round-robin: both paths carried a share of the stream's bytes.
    expect(
      paths.every((p) => p.sent > 64 * 1024),
      JSON.stringify(paths),
    ).toBe(true)
    expect(paths.reduce((sum, p) => sum + p.sent, 0)).toBeGreaterThanOrEqual(20 * 64 * 1024)
    // Everything the client opened, the node forgot once the connection closed.
    expect(await until(() => node.stats().transport.cidEntries === 0)).toBe(true)
  })

  it('accepts { paths } targets and a multipath node itself', async () => {
    const node = await startNode({ transport: 'multipath', paths: [{ transport: 'tcp' }, { listen: 0 }] })
    track({ close: () => node.kill() })
    const direct = await runLoad({ targets: [node], streams: 4, workers: 1, bytesPerStream: 16 * 1024 })
    expect(direct.successfulStreams).toBe(4)
    const byPaths = await runLoad({
      targets: [{ paths: node.paths, route: 'redundant' }],
      streams: 4,
      workers: 1,
      bytesPerStream: 16 * 1024,
    })
    expect(byPaths.successfulStreams).toBe(4)
    const [stats] = Object.values(byPaths.transportSnapshot.multipath ?? {})
    expect(stats?.[0]?.scheduler).toBe('redundant')
  })

  it('refuses bad multipath targets and node options with the field, value and rule', async () => {
    await expect(runLoad({ targets: [{ multipath: [] }], streams: 1 })).rejects.toThrow(
      /targets\[0\]\.multipath must be a non-empty array/,
    )
    await expect(
      runLoad({ targets: [{ multipath: ['tcp://127.0.0.1:1'], scheduler: 'fastest' as never }], streams: 1 }),
    ).rejects.toThrow(ConfigError)
    await expect(runLoad({ targets: [{ multipath: ['udp://127.0.0.1:1'] }], streams: 1 })).rejects.toThrow(
      /targets\[0\]\.multipath\[0\] must be .*'quic:\/\/host:port'/,
    )
    await expect(
      runLoad({ targets: [{ multipath: ['quic://127.0.0.1:1'], fingerprint: 'zz' }], streams: 1 }),
    ).rejects.toThrow(
      "targets[0].fingerprint must be a SHA-256 fingerprint (64 hex digits, colons allowed), got 'zz'",
    )
    await expect(startNode({ transport: 'multipath', paths: 0 })).rejects.toThrow(NodeOptionsError)
    await expect(
      startNode({ transport: 'multipath', paths: [{ transport: 'udp' as never }] }),
    ).rejects.toThrow("paths[0].transport must be 'tcp' or 'quic', got 'udp'")
    await expect(startNode({ transport: 'multipath', paths: 2, schedular: 'x' } as never)).rejects.toThrow(
      /did you mean 'scheduler'/,
    )
    const fabric = createFabricFixture()
    track({ close: () => fabric.closeAll() })
    await expect(fabric.multipath({ pathTransport: 'udp' as never })).rejects.toThrow(
      "pathTransport must be 'tcp' or 'quic', got 'udp'",
    )
    await expect(fabric.multipath({ paths: 2, sheduler: 'redundant' } as never)).rejects.toThrow(
      /did you mean 'scheduler'/,
    )
    await expect(fabric.multipath({ paths: 1, impair: [[], []] })).rejects.toThrow(
      /impair must be an array of at most 1 impairment lists/,
    )
  })

  it("presents the user's key and certificate on every QUIC path, and a load pinned to it gets through", async () => {
    const identity = generateCertificate()
    const node = await startNode({
      transport: 'multipath',
      paths: [{ transport: 'quic' }, { transport: 'quic' }],
      key: identity.key,
      cert: identity.cert,
    })
    track({ close: () => node.kill() })
    expect(node.fingerprint).toBe(identity.fingerprint)
    expect(node.paths.map((p) => p.fingerprint)).toEqual([identity.fingerprint, identity.fingerprint])
    const report = await runLoad({
      targets: [{ multipath: node.paths.map((p) => p.url), fingerprint: identity.fingerprint }],
      streams: 4,
      workers: 1,
      bytesPerStream: 16 * 1024,
    })
    expect(report.successfulStreams).toBe(4)
    expect(node.stats().bytes).toBe(4 * 16 * 1024)
  })

  it("refuses a key that is not the certificate's, one without the other, and key/cert on TCP paths only", async () => {
    const mine = generateCertificate()
    const other = generateCertificate()
    const quic = [{ transport: 'quic' as const }]
    await expect(
      startNode({ transport: 'multipath', paths: quic, key: other.key, cert: mine.cert }),
    ).rejects.toThrow(
      "key must be the private key of cert's public key; this key belongs to another certificate",
    )
    await expect(startNode({ transport: 'multipath', paths: quic, key: mine.key })).rejects.toThrow(
      'cert must be given with key (both or neither)',
    )
    await expect(
      startNode({ transport: 'multipath', paths: 2, key: mine.key, cert: mine.cert }),
    ).rejects.toThrow("key and cert are for QUIC paths; this node's paths are all TCP")
  })
})
