import { expect, test } from '../../src/vitest/index.js'

test('QUIC streams keep every byte through 3 % loss, reordering and duplication', async ({
  fabric,
  proxy,
}) => {
  // Path-sized datagrams, so each one the proxy drops is one real packet, not fourteen.
  const node = await fabric.node({ maxDatagramSize: 1452 })
  const lossy = await proxy.udp({
    target: node,
    impairments: [
      { kind: 'loss', rate: 0.03, direction: 'both' },
      { kind: 'reorder', rate: 0.05, delayMs: 5, direction: 'both' },
      { kind: 'duplicate', rate: 0.02, direction: 'both' },
    ],
  })
  expect(lossy.url).toBe(`quic://127.0.0.1:${lossy.port}`)
  const report = await fabric.load({
    targets: [lossy],
    streams: 40,
    concurrency: 8,
    bytesPerStream: 128 * 1024,
    // With a packet lost every ~30, QUIC's loss recovery holds some ACKs back for 1-3 s.
    ackTimeout: '10s',
  })
  expect(report.bytesSent).toBe(40 * 128 * 1024)
  expect(node.stats()).toMatchObject({ bytes: 40 * 128 * 1024, contentErrors: 0 })
  expect(report).toPassVerdict()
  expect(report).toHaveNoChannelLeaks()
  // The client kept to the datagram size the node advertised.
  const transport = node.stats().transport
  expect(transport.bytesIn! / transport.packetsIn!).toBeLessThanOrEqual(1452)
  const stats = lossy.stats()
  expect(stats.packetsDropped).toBeGreaterThan(0)
  expect(stats.packetsDuplicated).toBeGreaterThan(0)
})

test('a QUIC connection rides out a half-second outage on its path', async ({ fabric, proxy }) => {
  const node = await fabric.node()
  const path = await proxy.udp({ target: node })
  // The outage starts once bytes flow, so it lands on a live connection, not on its handshake.
  const outage = (async () => {
    while (node.stats().bytes === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    path.set([{ kind: 'outage' }])
    await new Promise((resolve) => setTimeout(resolve, 500))
    path.clear()
  })()
  const report = await fabric.load({
    targets: [path],
    soak: true,
    duration: '1500ms',
    concurrency: 4,
    // 32 frames a stream: when the path goes dark, channels are waiting on DATA ACKs, not on
    // their OPEN or CLOSE.
    bytesPerStream: 512 * 1024,
    ackTimeout: '3s',
  })
  await outage
  expect(report.failedStreams).toBe(0)
  expect(report.successfulStreams).toBeGreaterThanOrEqual(4)
  // ACKs in flight when the path went dark waited out the outage.
  expect(report.targetStats[path.url]!.maxAckMs).toBeGreaterThan(400)
  expect(report).toPassVerdict()
})

test('requireQuic flags a TCP target in an otherwise healthy run', async ({ fabric }) => {
  const quic = await fabric.node()
  const tcp = await fabric.node({ transport: 'tcp' })
  const report = await fabric.load({ targets: [quic, tcp], streams: 10, requireQuic: true })
  expect(report.successfulStreams).toBe(10)
  expect(report).not.toPassVerdict()
  expect(report.verdictReasons).toEqual([`non_quic_targets=${tcp.url}`])
})
