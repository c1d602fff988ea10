import { afterEach, describe, expect, it } from 'vitest'
import { type FabricNode, startNode } from '../../src/fabric/node.js'
import { runLoad } from '../../src/load/run.js'

const nodes: FabricNode[] = []
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.kill()
})

async function tcpNodes(n: number): Promise<FabricNode[]> {
  const created = await Promise.all(Array.from({ length: n }, () => startNode({ transport: 'tcp' })))
  nodes.push(...created)
  return created
}

describe('the reference rules on real runs', () => {
  it('a dead target that is not failTarget collapses the distribution; reroutes over budget fail', async () => {
    const [a, b] = await tcpNodes(2)
    const dead = await startNode({ transport: 'tcp' })
    await dead.stop()
    const report = await runLoad({
      targets: [a!, dead.url, b!],
      streams: 30,
      concurrency: 3,
      bytesPerStream: 4096,
      checkDistribution: true,
      maxRerouteP95Ms: 0.0001,
      maxRerouteP99Ms: 0.0001,
      maxTargetAckMs: 0.0001,
    })
    expect(report.successfulStreams).toBe(30)
    const names = report.verdictReasons.map((r) => r.split('=')[0])
    expect(names.slice(0, 5)).toEqual([
      'reroute_p95_ms',
      'reroute_p99_ms',
      'target_distribution_collapsed',
      'target_ack_ms',
      'target_ack_ms',
    ])
    // The dead target held a route while its connect failed, so route pressure may read skewed
    // rather than collapsed, depending on how many attempts were at it at once.
    expect(names.slice(5).every((n) => n?.startsWith('route_pressure_distribution_'))).toBe(true)
    expect(report.verdictReasons).toContain('target_distribution_collapsed=2/3_targets_used')
  })

  it('the same targets stay quiet when the dead one is failTarget and budgets are generous', async () => {
    const targets = await tcpNodes(3)
    const report = await runLoad({
      targets,
      streams: 30,
      concurrency: 3,
      bytesPerStream: 4096,
      failTarget: 1,
      failAfter: '0s',
      checkDistribution: true,
      maxRerouteP95Ms: 60_000,
      maxRerouteP99Ms: 60_000,
      maxTargetAckMs: 60_000,
    })
    expect(report.successfulStreams).toBe(30)
    expect(report.verdictReasons).toEqual([])
  })
})

describe('route modes', () => {
  it('a NAT profile labels targets lan, ice, reverse, relay and the coverage rule sees each used', async () => {
    const targets = await tcpNodes(4)
    const report = await runLoad({
      targets,
      streams: 8,
      concurrency: 2,
      bytesPerStream: 2048,
      topologyProfile: 'nat-lan-relay',
    })
    expect(report.config.routeModes).toEqual(['lan', 'ice', 'reverse', 'relay'])
    expect(report.targetStats[targets[3]!.url]!.routeModes).toEqual({ relay: 2 })
    expect(report.streamSamples[1]!.routeMode).toBe('ice')
    expect(report.verdictReasons).toEqual([])
  })

  it('a route mode no stream used under a NAT profile fails route_mode_coverage_missing', async () => {
    const targets = await tcpNodes(4)
    const report = await runLoad({
      targets: targets.map((node, i) => (i === 3 ? { node, routeMode: 'direct' as const } : node)),
      streams: 8,
      concurrency: 2,
      bytesPerStream: 2048,
      topologyProfile: 'mixed-public-nat-lan-relay',
    })
    expect(report.config.routeModes).toEqual(['lan', 'ice', 'reverse', 'direct'])
    expect(report.verdictReasons).toEqual(['route_mode_coverage_missing=relay'])
  })
})
