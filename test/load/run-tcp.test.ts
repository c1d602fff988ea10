import { afterEach, describe, expect, it } from 'vitest'
import { type FabricNode, startNode } from '../../src/fabric/node.js'
import { runLoad } from '../../src/load/run.js'
import type { LoadReport } from '../../src/load/types.js'
import { FrameType } from '../../src/protocol/frames.js'
import { honest, startFakeNode } from '../helpers/fake-node.js'

const nodes: FabricNode[] = []
const closers: Array<() => Promise<void>> = []
async function tcpNodes(n: number): Promise<FabricNode[]> {
  const created = await Promise.all(Array.from({ length: n }, () => startNode({ transport: 'tcp' })))
  nodes.push(...created)
  return created
}
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.kill()
  for (const close of closers.splice(0)) await close()
})

function nodeBytes(list: FabricNode[]): number {
  return list.reduce((sum, n) => sum + n.stats().bytes, 0)
}

describe('runLoad over TCP', () => {
  it('delivers every byte, acknowledges every frame and balances channels across two nodes', async () => {
    const targets = await tcpNodes(2)
    const report = await runLoad({
      targets,
      streams: 40,
      concurrency: 8,
      bytesPerStream: 32 * 1024,
      payloadSize: 8192,
    })
    expect(report.verdictReasons).toEqual([])
    expect(report.verdict).toBe('pass')
    expect(report).toMatchObject({
      totalStreams: 40,
      successfulStreams: 40,
      failedStreams: 0,
      bytesSent: 40 * 32 * 1024,
      framesSent: 160,
      acksReceived: 160,
      channelOpens: 40,
      channelCloses: 40,
      channelLeaks: 0,
      ackIntegrityErrors: 0,
      ackMismatchedStreams: 0,
      failoverEvents: 0,
      bulkStreams: 40,
      controlStreams: 0,
    })
    expect(nodeBytes(targets)).toBe(report.bytesSent)
    expect(targets.every((n) => n.stats().contentErrors === 0)).toBe(true)
    expect(report.targetStreams).toEqual({ [targets[0]!.url]: 20, [targets[1]!.url]: 20 })
    expect(report.targetBytes[targets[0]!.url]).toBe(20 * 32 * 1024)
    expect(report.targetStats[targets[0]!.url]).toMatchObject({
      channelOpens: 20,
      channelCloses: 20,
      nodeChannelsActive: 0,
    })
    expect(report.routePressure).toMatchObject({
      acquiredTotal: 40,
      releasedTotal: 40,
      activeTotal: 0,
      active: {},
    })
    expect(report.routePressure.maxActiveTotal).toBeLessThanOrEqual(8)
    expect(report.ackP95Ms).toBeGreaterThan(0)
    expect(report.setupLatencyP95Ms).toBeGreaterThan(0)
    expect(report.throughputBps).toBeGreaterThan(0)
    expect(report.streamSamples).toHaveLength(25)
    expect(JSON.parse(JSON.stringify(report))).toEqual(report)
  })

  it('spreads streams over several workers with a window of frames in flight', async () => {
    const targets = await tcpNodes(1)
    const report = await runLoad({
      targets,
      streams: 30,
      concurrency: 6,
      workers: 2,
      inflightFrames: 8,
      bytesPerStream: 100_000,
      payloadSize: 4096,
    })
    expect(report.verdict).toBe('pass')
    expect(report.bytesSent).toBe(30 * 100_000)
    expect(report.framesSent).toBe(30 * Math.ceil(100_000 / 4096))
    expect(report.acksReceived).toBe(report.framesSent)
    expect(nodeBytes(targets)).toBe(30 * 100_000)
    expect(targets[0]!.stats().connections).toBe(2)
  })

  it('marks every Nth stream as control traffic with its own byte count', async () => {
    const targets = await tcpNodes(1)
    const report = await runLoad({
      targets,
      streams: 20,
      concurrency: 4,
      controlEvery: 4,
      controlBytesPerStream: 512,
      bytesPerStream: 8192,
      payloadSize: 4096,
    })
    expect(report.controlStreams).toBe(5)
    expect(report.bulkStreams).toBe(15)
    expect(report.bytesSent).toBe(5 * 512 + 15 * 8192)
    expect(report.controlAckP95Ms).toBeGreaterThan(0)
    expect(report.bulkAckP95Ms).toBeGreaterThan(0)
  })

  it('fails streams over to the next target when a node is killed mid-run', async () => {
    const targets = await tcpNodes(3)
    const report = await runLoad({
      targets,
      streams: 60,
      concurrency: 6,
      bytesPerStream: 1024 * 1024, // long enough that the kill lands mid-run
      payloadSize: 4096,
      failTarget: 1,
      failAfter: '40ms',
    })
    expect(targets[1]!.running).toBe(false)
    expect(report.successfulStreams).toBe(60)
    expect(report.failoverEvents).toBeGreaterThan(0)
    expect(report.bytesSent).toBe(60 * 1024 * 1024)
    expect(report.channelLeaks).toBe(0)
    expect(report.verdict).toBe('pass')
    // The timeline accounts for every byte and stream; each failover is an event naming both targets.
    expect(report.timeline.reduce((n, s) => n + (s.bytes ?? 0), 0)).toBe(report.bytesSent)
    expect(report.timeline.reduce((n, s) => n + (s.streamsOk ?? 0), 0)).toBe(60)
    expect(report.timeline.reduce((n, s) => n + (s.failovers ?? 0), 0)).toBe(report.failoverEvents)
    const failovers = report.events.filter((e) => e.type === 'failover')
    expect(failovers).toHaveLength(report.failoverEvents)
    expect(failovers[0]).toMatchObject({ source: 'load', from: targets[1]!.url })
    expect(report.timeline.at(-1)!.activeStreams).toBe(0)
  })

  it('fails the verdict with failed_streams when failover is off and a target is dead', async () => {
    const [alive] = await tcpNodes(1)
    const dead = await startNode({ transport: 'tcp' })
    await dead.stop()
    const report = await runLoad({
      targets: [alive!, dead.url],
      streams: 10,
      concurrency: 2,
      poolFailover: false,
    })
    expect(report.successfulStreams).toBe(5)
    expect(report.failedStreams).toBe(5)
    expect(report.errors).toEqual({ connect_refused: 5 })
    expect(report.verdict).toBe('fail')
    expect(report.verdictReasons.some((r) => r.startsWith('failed_streams'))).toBe(true)
    expect(report.errorSamples[0]?.error).toMatch(/^connect_refused/)
  })

  it('quarantines a target after a failed attempt instead of trying it for every stream', async () => {
    const alive = await tcpNodes(2)
    const dead = await startNode({ transport: 'tcp' })
    await dead.stop()
    const targets = [alive[0]!, dead.url, alive[1]!]
    const quarantined = await runLoad({ targets, streams: 30, concurrency: 1, bytesPerStream: 1024 })
    expect(quarantined.successfulStreams).toBe(30)
    expect(quarantined.failoverEvents).toBe(1)
    expect(quarantined.errors).toEqual({ connect_refused: 1 })
    const naive = await runLoad({
      targets,
      streams: 30,
      concurrency: 1,
      bytesPerStream: 1024,
      targetQuarantine: 0,
    })
    expect(naive.successfulStreams).toBe(30)
    expect(naive.failoverEvents).toBe(10)
    expect(naive.errors).toEqual({ connect_refused: 10 })
    // Without a quarantine the dead target is still reported as seen failing.
    expect(naive.degradedTargets).toEqual({ [dead.url]: 'connect_refused' })
  })

  it('gives up on a silent node within ackTimeout and counts the abandoned frames', async () => {
    const silent = await startFakeNode((frame) =>
      frame.type === FrameType.OPEN
        ? [{ type: FrameType.ACK, channel: frame.channel, sequence: 0, checksum: 0 }]
        : [],
    )
    closers.push(silent.close)
    const report = await runLoad({
      targets: [silent.url],
      streams: 2,
      concurrency: 2,
      inflightFrames: 4,
      bytesPerStream: 64 * 1024,
      payloadSize: 4096,
      ackTimeout: '150ms',
    })
    expect(report.failedStreams).toBe(2)
    expect(report.errors).toEqual({ ack_timeout: 2 })
    expect(report.abandonedFrames).toBe(8)
    expect(report.channelOpens).toBe(report.channelCloses)
  })

  it('bounds a whole attempt by streamTimeout', async () => {
    const stuck = await startFakeNode(() => [])
    closers.push(stuck.close)
    const report = await runLoad({
      targets: [stuck.url],
      streams: 1,
      streamTimeout: '200ms',
      ackTimeout: '5s',
    })
    expect(report.errors).toEqual({ stream_timeout: 1 })
    // Stream samples are the first streams of any outcome, as the reference keeps them.
    expect(report.streamSamples.map((s) => [s.ok, s.error?.split(':')[0]])).toEqual([
      [false, 'stream_timeout'],
    ])
  })

  it('counts ACKs whose checksum is wrong as ack integrity errors', async () => {
    const liar = await startFakeNode(
      honest((reply) =>
        reply.type === FrameType.ACK && reply.sequence > 0
          ? { ...reply, checksum: reply.checksum ^ 1 }
          : reply,
      ),
    )
    closers.push(liar.close)
    const report = await runLoad({ targets: [liar.url], streams: 3, bytesPerStream: 8192, payloadSize: 4096 })
    expect(report.ackIntegrityErrors).toBe(6)
    expect(report.verdictReasons).toContain('ack_integrity_errors=6')
  })

  it('counts a CLOSE_ACK whose totals disagree as an ack-mismatched stream', async () => {
    const liar = await startFakeNode(
      honest((reply) =>
        reply.type === FrameType.CLOSE_ACK ? { ...reply, totalBytes: reply.totalBytes + 1 } : reply,
      ),
    )
    closers.push(liar.close)
    const report = await runLoad({ targets: [liar.url], streams: 4, bytesPerStream: 1000, payloadSize: 1000 })
    expect(report.ackMismatchedStreams).toBe(4)
    expect(report.verdictReasons).toContain('ack_mismatched_streams=4')
  })

  it('keeps channels open until the run ends when shortSessions is off', async () => {
    const targets = await tcpNodes(1)
    const report = await runLoad({
      targets,
      streams: 12,
      concurrency: 3,
      shortSessions: false,
      bytesPerStream: 2048,
    })
    expect(targets[0]!.stats()).toMatchObject({ channelsOpened: 12, channelsClosed: 12, channelsActive: 0 })
    expect(report).toMatchObject({ channelOpens: 12, channelCloses: 12, channelLeaks: 0, verdict: 'pass' })
  })

  it('keeps starting streams until the soak duration ends, then stops by itself', async () => {
    const targets = await tcpNodes(1)
    const report = await runLoad({
      targets,
      soak: true,
      duration: '300ms',
      concurrency: 4,
      bytesPerStream: 4096,
    })
    expect(report.totalStreams).toBeGreaterThan(4)
    expect(report.successfulStreams).toBe(report.totalStreams)
    expect(new Date(report.finishedAt).getTime() - new Date(report.startedAt).getTime()).toBeLessThan(10_000)
  })

  it('applies fractional thresholds from the config to the verdict', async () => {
    const targets = await tcpNodes(1)
    const report: LoadReport = await runLoad({
      targets,
      streams: 4,
      maxAckP95Ms: 0.000001,
      minThroughputMbps: 1e9,
    })
    expect(report.verdict).toBe('fail')
    expect(report.verdictReasons.some((r) => r.startsWith('ack_p95_ms='))).toBe(true)
    expect(report.verdictReasons.some((r) => r.startsWith('throughput_bps='))).toBe(true)
  })

  it('rejects an invalid config before opening anything', async () => {
    const before = process.getActiveResourcesInfo().length
    await expect(runLoad({ targets: ['tcp://127.0.0.1:1'], streams: -3 })).rejects.toThrow(
      'streams must be a positive integer, got -3',
    )
    expect(process.getActiveResourcesInfo().length).toBe(before)
  })
})
