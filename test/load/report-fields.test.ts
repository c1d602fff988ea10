import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { type FabricNode, startNode } from '../../src/fabric/node.js'
import { runLoad } from '../../src/load/run.js'

const nodes: FabricNode[] = []
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.kill()
})

describe('the reference report fields', () => {
  it('measures reroutes and failover recovery when a node dies, and keeps each stream’s story', async () => {
    const targets = await Promise.all([0, 1, 2].map(() => startNode({ transport: 'tcp' })))
    nodes.push(...targets)
    const dead = targets[1]!.url
    const report = await runLoad({
      targets,
      streams: 60,
      concurrency: 6,
      bytesPerStream: 1024 * 1024, // long enough that the kill lands mid-run
      payloadSize: 4096,
      failTarget: 1,
      failAfter: '40ms',
    })
    expect(report.successfulStreams).toBe(60)
    expect(report.failoverEvents).toBeGreaterThan(0)
    expect(report.rerouteCauses).toEqual({ pool_failover: report.failoverEvents })
    expect(report.routeAttemptsTotal).toBe(report.totalStreams + report.failoverEvents)
    expect(report.routeAttemptsTotal).toBe(report.routePressure.acquiredTotal)
    expect(report.rerouteLatencyP95Ms).toBeGreaterThan(0)
    expect(report.rerouteLatencyP99Ms).toBeGreaterThanOrEqual(report.rerouteLatencyP95Ms)
    expect(report.failoverRecoveryP95Ms).toBeGreaterThan(0)
    expect(report.rerouteLatencyP50Ms).toBeLessThanOrEqual(report.rerouteLatencyP95Ms)
    expect(report.lastRecoveryAtMs).toBeGreaterThan(0)
    for (const s of report.streamSamples.filter((s) => s.recoveryMs !== undefined)) {
      expect(s.recoveredAtMs).toBeLessThanOrEqual(report.lastRecoveryAtMs)
    }
    expect(report.recoverySamples.length).toBeGreaterThan(0)
    expect(report.recoverySamples.every((r) => r.from === dead && r.to !== dead && r.recoveryMs > 0)).toBe(
      true,
    )
    expect([report.channelOpenP50Ms, report.channelOpenP95Ms, report.channelOpenP99Ms]).toEqual([
      report.setupLatencyP50Ms,
      report.setupLatencyP95Ms,
      report.setupLatencyP99Ms,
    ])
    // Per target: the reference's names agree with quicksand's, and the dead node is the entrypoint.
    for (const url of report.config.targets) {
      const stats = report.targetStats[url]!
      expect([stats.bytesSent, stats.framesSent, stats.acksReceived]).toEqual([
        stats.bytes,
        stats.frames,
        stats.acks,
      ])
      expect(stats.maxActiveChannels).toBe(report.routePressure.maxActive[url])
    }
    expect(report.targetStats[dead]!.failoverEntrypoint).toBeGreaterThan(0)
    const alive = report.targetStats[targets[0]!.url]!
    expect(alive.durationP95Ms).toBeGreaterThanOrEqual(alive.durationP50Ms)
    expect(alive.durationP50Ms).toBeGreaterThan(0)
    // The transport's counters: a connection made or refused per target, channels balanced, each
    // node's own stats (the node may be dead before the worker thread is up: then it is refused).
    expect(report.transportSnapshot).toMatchObject({
      channelOpens: report.channelOpens,
      channelCloses: report.channelCloses,
      activeChannels: 0,
    })
    const { connectionsOpened, connectFailures } = report.transportSnapshot
    expect(connectionsOpened).toBeGreaterThanOrEqual(2)
    expect(connectionsOpened + connectFailures).toBeGreaterThanOrEqual(3)
    expect(report.transportSnapshot.nodes[targets[0]!.url]).toMatchObject({
      bytes: targets[0]!.stats().bytes,
    })
    // Stream samples carry the reference's stream fields. One that never moved: a rerouted
    // stream also counts the frames it sent to the dead node that no ACK answered.
    const first = report.streamSamples.find((s) => s.failoverCount === 0)!
    expect(first).toMatchObject({
      streamIndex: first.stream,
      logicalStream: first.stream,
      trafficClass: 'bulk',
      shortSession: true,
      bytesSent: 1024 * 1024,
      framesSent: 256,
      acksReceived: 256,
    })
    expect(first.targetAttempts).toHaveLength(first.attempts)
    const rerouted = report.streamSamples.find((s) => s.failoverCount > 0)
    if (rerouted) {
      expect(rerouted.initialTarget).toBe(dead)
      expect(rerouted.targetAttempts[0]).toBe(dead)
      expect(rerouted.rerouteLatencyMs).toBeGreaterThan(0)
      // Every byte acknowledged once; frames the dead node never answered (if the stream had
      // any in flight there rather than being refused at connect) are sent again.
      expect(rerouted.bytesSent).toBe(1024 * 1024)
      expect(rerouted.acksReceived).toBe(256)
      expect(rerouted.framesSent).toBeGreaterThanOrEqual(rerouted.acksReceived)
    }
  })
})

describe('reportPath', () => {
  it('writes the report there as JSON as well', async () => {
    const [node] = await Promise.all([startNode({ transport: 'tcp' })])
    nodes.push(node!)
    const dir = mkdtempSync(join(tmpdir(), 'quicksand-report-'))
    try {
      const path = join(dir, 'report.json')
      const report = await runLoad({ targets: [node!], streams: 3, bytesPerStream: 4096, reportPath: path })
      expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(JSON.parse(JSON.stringify(report)))
      expect(report.config.reportPath).toBe(path)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
