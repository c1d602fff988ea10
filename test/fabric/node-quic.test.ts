import { afterEach, describe, expect, test } from 'vitest'
import { type FabricNode, startNode } from '../../src/fabric/node.js'
import { runLoad } from '../../src/load/run.js'
import { EventBus } from '../../src/run/events.js'
import { generateCertificate } from '../../src/transport/quic/certificate.js'
import { quicTransport } from '../../src/transport/quic/index.js'

const started: FabricNode[] = []
async function quicNode(options: Parameters<typeof startNode>[0] = {}): Promise<FabricNode> {
  const n = await startNode({ transport: 'quic', ...options })
  started.push(n)
  return n
}

afterEach(async () => {
  for (const n of started.splice(0)) await n.kill()
  await quicTransport.close?.()
})

/** A short load pinned to the node's fingerprint, with no other target to fail over to. */
function pinnedLoad(node: FabricNode) {
  return runLoad({
    targets: [node],
    streams: 6,
    concurrency: 3,
    bytesPerStream: 32 * 1024,
    poolFailover: false,
    connectTimeout: '3s',
  })
}

describe('a restarted QUIC node keeps its identity', () => {
  for (const how of ['kill', 'stop'] as const) {
    test(`${how}() then restart(): the same fingerprint, and a pinned load still gets through`, async () => {
      const node = await quicNode()
      const before = node.fingerprint
      expect(before).toMatch(/^[0-9a-f]{64}$/)
      await node[how]()
      await node.restart()
      expect(node.fingerprint).toBe(before)
      const report = await pinnedLoad(node)
      expect(report.failedStreams).toBe(0)
      expect(report.successfulStreams).toBe(6)
      expect(report.bytesSent).toBe(6 * 32 * 1024)
      expect(node.stats().bytes).toBe(6 * 32 * 1024)
    })
  }
})

describe('a QUIC node killed mid-run', () => {
  test('its streams fail over, each failover naming the kind of failure, never a bare error', async () => {
    const nodes = [await quicNode(), await quicNode()]
    const report = await runLoad({
      targets: nodes,
      streams: 24,
      concurrency: 4,
      bytesPerStream: 512 * 1024, // long enough that the kill lands mid-run
      failTarget: 1,
      failAfter: '50ms',
    })
    expect(report.successfulStreams).toBe(24)
    expect(report.bytesSent).toBe(24 * 512 * 1024)
    const failovers = report.events.filter((e) => e.type === 'failover')
    expect(failovers.length).toBe(report.failoverEvents)
    expect(failovers.length).toBeGreaterThan(0)
    // A kill drops established connections (reset) and refuses new ones (connect_refused).
    const kinds = new Set(failovers.map((e) => e.kind))
    expect([...kinds].every((kind) => kind === 'reset' || kind === 'connect_refused')).toBe(true)
    expect(failovers.every((e) => e.from === nodes[1]!.url)).toBe(true)
  })
})

describe('handshake_failed', () => {
  // Here rather than in test/errors/kinds.test.ts: the client takes about 3 s to give up.
  test('a server whose key does not match its certificate fails the handshake, naming the target', async () => {
    const mine = generateCertificate()
    const other = generateCertificate()
    // A node refuses such a pair at start, so the mismatch is served by the transport's own listener.
    const listener = await quicTransport.listen(
      { host: '127.0.0.1', port: 0, key: other.key, cert: mine.cert },
      (link) => link.destroy(),
    )
    try {
      const url = `quic://127.0.0.1:${listener.port}`
      const report = await runLoad({ targets: [url], streams: 2, concurrency: 2, poolFailover: false })
      expect(report.failedStreams).toBe(2)
      expect(report.errors).toEqual({ handshake_failed: 2 })
      expect(report.errorMessages.handshake_failed).toContain(`127.0.0.1:${listener.port}`)
      expect(listener.stats().connections ?? 0).toBe(0)
    } finally {
      await listener.kill()
    }
  })
})

describe('node events', () => {
  test('start, kill, restart and stop are published in order with the node url', async () => {
    const events = new EventBus()
    const node = await quicNode({ events })
    await node.kill()
    await node.restart()
    await node.stop()
    // Stopping a stopped node changes nothing, so it says nothing.
    await node.stop()
    const seen = events.between()
    expect(seen.map((e) => e.type)).toEqual(['node.start', 'node.kill', 'node.restart', 'node.stop'])
    for (const event of seen) expect(event.source).toBe(`node ${node.url}`)
    const times = seen.map((e) => e.at)
    expect([...times].sort((a, b) => a - b)).toEqual(times)
  })

  test('restarting a running node reports the stop before the restart', async () => {
    const events = new EventBus()
    const node = await quicNode({ events })
    await node.restart()
    expect(events.between().map((e) => e.type)).toEqual(['node.start', 'node.stop', 'node.restart'])
  })
})

describe('maxDatagramSize', () => {
  test('bounds the datagrams both ways, and the node reports its frame limit', async () => {
    const node = await quicNode({ maxDatagramSize: 1200, maxPayload: 32 * 1024 })
    expect(node.maxPayload).toBe(32 * 1024)
    const report = await runLoad({ targets: [node], streams: 4, bytesPerStream: 128 * 1024 })
    expect(report.bytesSent).toBe(4 * 128 * 1024)
    const transport = node.stats().transport
    expect(transport.packetsIn).toBeGreaterThan((4 * 128 * 1024) / 1200)
    // Every datagram fits in 1200 bytes, so the averages cannot exceed it.
    expect(transport.bytesIn! / transport.packetsIn!).toBeLessThanOrEqual(1200)
    expect(transport.bytesOut! / transport.packetsOut!).toBeLessThanOrEqual(1200)
  })

  test("a load's maxDatagramSize bounds what its clients send to a node that allows more", async () => {
    const node = await quicNode()
    const bytes = 4 * 128 * 1024
    const report = await runLoad({
      targets: [node],
      streams: 4,
      bytesPerStream: 128 * 1024,
      maxDatagramSize: 1200,
    })
    expect(report.bytesSent).toBe(bytes)
    expect(report.config.maxDatagramSize).toBe(1200)
    const transport = node.stats().transport
    // More datagrams than the payload fills at 1200 bytes each, and none larger on average.
    expect(transport.packetsIn).toBeGreaterThan(bytes / 1200)
    expect(transport.bytesIn! / transport.packetsIn!).toBeLessThanOrEqual(1200)
  })
})
