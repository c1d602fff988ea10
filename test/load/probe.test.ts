import { describe, expect, test as unit } from 'vitest'
import { Placement, rttHeterogeneous } from '../../src/load/placement.js'
import { median, ProbeBoard } from '../../src/load/probe.js'
import { TargetHealth } from '../../src/load/target-health.js'
import { expect as fixtureExpect, test } from '../../src/vitest/index.js'

describe('probe arithmetic', () => {
  unit('RTTs are heterogeneous at max >= 4 x min, sub-millisecond RTTs counting as 1 ms', () => {
    expect(rttHeterogeneous([0.05, 0.4])).toBe(false)
    expect(rttHeterogeneous([0.2, 3.9])).toBe(false)
    expect(rttHeterogeneous([0.2, 4])).toBe(true)
    expect(rttHeterogeneous([10, 0])).toBe(false)
    expect(median([5, 1, 3])).toBe(3)
    expect(median([4, 1, 3, 2])).toBe(2)
  })

  unit('heterogeneous RTTs weight placement towards the faster targets; probes limit the candidates', () => {
    const health = new TargetHealth(TargetHealth.allocate(3))
    const placement = new Placement(
      3,
      { poolFailover: true, candidates: [0, 2], rttMs: [0.3, 0, 10] },
      health,
    )
    const counts = [0, 0, 0]
    for (let stream = 0; stream < 110; stream++) counts[placement.target(stream, 0, -1, 0)]!++
    // Weights ceil(10 / 1) = 10 and 1: ten of every eleven streams go to target 0; target 1 gets none.
    expect(counts).toEqual([100, 0, 10])
    expect(placement.attempts).toBe(2)
  })

  unit('the probe board carries usability and RTTs to the other workers', async () => {
    const buffer = ProbeBoard.allocate(2)
    const waiting = new ProbeBoard(buffer).read(5000)
    new ProbeBoard(buffer).publish([
      { target: 'tcp://127.0.0.1:1', rttMs: 0, error: 'connect_refused: x', usable: false },
      { target: 'tcp://127.0.0.1:2', rttMs: 1.5, usable: true },
    ])
    expect(await waiting).toEqual({ candidates: [1], rttMs: [0, 1.5] })
  })
})

test('probing excludes a 200 ms target over maxTargetRttMs', async ({ fabric, proxy }) => {
  const nodes = await fabric.nodes(2, { transport: 'tcp' })
  const far = await proxy.tcp({ target: nodes[1]!, impairments: [{ kind: 'latency', ms: 200 }] })
  const report = await fabric.load({
    targets: [nodes[0]!, far],
    streams: 20,
    concurrency: 4,
    workers: 2,
    bytesPerStream: 8192,
    maxTargetRttMs: 100,
  })
  fixtureExpect(report.config.probeTargets).toBe(true)
  fixtureExpect(report.successfulStreams).toBe(20)
  fixtureExpect(report.excludedTargets).toEqual([far.url])
  fixtureExpect(report.targetProbes[0]).toMatchObject({ target: nodes[0]!.url, usable: true })
  fixtureExpect(report.targetProbes[1]).toMatchObject({ target: far.url, usable: false })
  fixtureExpect(report.targetProbes[1]!.rttMs).toBeGreaterThanOrEqual(200)
  fixtureExpect(report.targetStreams[far.url]).toBe(0)
  fixtureExpect(report.targetStreams[nodes[0]!.url]).toBe(20)
  fixtureExpect(report.events.filter((e) => e.type === 'probe')).toHaveLength(2)
})

test('an unreachable target is excluded by its probe, so no stream attempt fails', async ({ fabric }) => {
  const [alive] = await fabric.nodes(1, { transport: 'tcp' })
  const dead = await fabric.node({ transport: 'tcp' })
  await dead.stop()
  const report = await fabric.load({
    targets: [alive!, dead.url],
    streams: 10,
    bytesPerStream: 4096,
    probeTargets: true,
  })
  fixtureExpect(report.successfulStreams).toBe(10)
  fixtureExpect(report.errors).toEqual({})
  fixtureExpect(report.excludedTargets).toEqual([dead.url])
  fixtureExpect(report.targetProbes[1]!.error).toMatch(/^connect_refused: /)
})

test('a 20 ms target gets fewer streams than a loopback one; equal loopback targets share evenly', async ({
  fabric,
  proxy,
}) => {
  const nodes = await fabric.nodes(2, { transport: 'tcp' })
  const slow = await proxy.tcp({ target: nodes[1]!, impairments: [{ kind: 'latency', ms: 20 }] })
  const steered = await fabric.load({
    targets: [nodes[0]!, slow],
    streams: 42,
    concurrency: 1,
    bytesPerStream: 4096,
    probeTargets: true,
  })
  fixtureExpect(steered.successfulStreams).toBe(42)
  fixtureExpect(steered.targetStreams[slow.url]).toBeLessThanOrEqual(42 / 5)
  const even = await fabric.load({ targets: nodes, streams: 20, bytesPerStream: 4096, probeTargets: true })
  fixtureExpect(even.targetStreams).toEqual({ [nodes[0]!.url]: 10, [nodes[1]!.url]: 10 })
})

test('a run whose every target fails its probe fails with each reason', async ({ fabric }) => {
  const dead = await fabric.node({ transport: 'tcp' })
  await dead.stop()
  await fixtureExpect(fabric.load({ targets: [dead.url], streams: 1, probeTargets: true })).rejects.toThrow(
    /every target failed its probe \(tcp:\/\/127\.0\.0\.1:\d+: connect_refused: /,
  )
})
