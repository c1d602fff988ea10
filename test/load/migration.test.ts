import { expect, test } from '../../src/vitest/index.js'

/** Slow-stream migration at 100 ms with 8 KiB frames, so a 150 ms path trips it on its first ACK. */
const MIGRATE = { payloadSize: 8192, migrateSlowStreams: true, maxAckMs: 100 } as const
/** The latency that makes a path slow here. */
const SLOW = [{ kind: 'latency' as const, ms: 150 }]

test('a bulk stream leaves a slow target mid-stream and resumes on the next from its first unacknowledged byte', async ({
  fabric,
  proxy,
}) => {
  const nodes = await fabric.nodes(2, { transport: 'tcp' })
  const slow = await proxy.tcp({ target: nodes[1]!, impairments: SLOW })
  const report = await fabric.load({
    targets: [nodes[0]!, slow],
    streams: 20,
    concurrency: 2,
    bytesPerStream: 64 * 1024,
    ...MIGRATE,
  })
  expect(report.successfulStreams).toBe(20)
  expect(report.bytesSent).toBe(20 * 64 * 1024)
  // Every acknowledged byte reached a node once: migration resumes, it does not resend.
  expect(nodes[0]!.stats().bytes + nodes[1]!.stats().bytes).toBe(report.bytesSent)
  expect(report.failoverEvents).toBe(0)
  expect(report.migrationEvents).toBeGreaterThanOrEqual(1)
  expect(report.rerouteCauses).toEqual({ slow_ack_migration: report.migrationEvents })
  expect(report.degradedTargets).toEqual({ [slow.url]: 'slow_ack' })
  expect(report.targetStats[slow.url]!.degradedEvents).toBe(report.migrationEvents)
  const migrations = report.events.filter((e) => e.type === 'migration')
  expect(migrations).toHaveLength(report.migrationEvents)
  expect(migrations[0]).toMatchObject({ source: 'load', from: slow.url, to: nodes[0]!.url })
  expect(migrations[0]!.ackMs as number).toBeGreaterThan(100)
  // Once degraded, the target is out of placement: later streams never start there.
  expect(report.targetStreams[slow.url]).toBe(0)
  expect(report).toMigrateAwayFrom(slow)
  expect(report).not.toMigrateAwayFrom(nodes[0]!)
})

test('a control stream restarts from zero on the next target', async ({ fabric, proxy }) => {
  const nodes = await fabric.nodes(2, { transport: 'tcp' })
  const slow = await proxy.tcp({ target: nodes[0]!, impairments: SLOW })
  const report = await fabric.load({
    targets: [slow, nodes[1]!],
    streams: 1,
    controlEvery: 1,
    controlBytesPerStream: 16 * 1024,
    ...MIGRATE,
  })
  expect(report.successfulStreams).toBe(1)
  expect(report.migrationEvents).toBe(1)
  expect(nodes[0]!.stats().bytes).toBe(8192)
  expect(nodes[1]!.stats().bytes).toBe(16 * 1024)
  expect(report.streamSamples[0]).toMatchObject({
    target: nodes[1]!.url,
    class: 'control',
    migrationCount: 1,
    degraded: true,
    bytes: 16 * 1024,
  })
})

test('with nowhere to go, a slow ACK marks its target degraded and the stream completes there', async ({
  fabric,
  proxy,
}) => {
  const [node] = await fabric.nodes(1, { transport: 'tcp' })
  const slow = await proxy.tcp({ target: node!, impairments: SLOW })
  const report = await fabric.load({
    targets: [slow],
    streams: 2,
    bytesPerStream: 16 * 1024,
    ...MIGRATE,
  })
  expect(report.successfulStreams).toBe(2)
  expect(report.migrationEvents).toBe(0)
  expect(report.degradedTargets).toEqual({ [slow.url]: 'slow_ack' })
  expect(report.streamSamples.every((s) => s.degraded)).toBe(true)
})

test('the verdict expects impairTarget to be seen degraded, and degraded targets to be left', async ({
  fabric,
  proxy,
}) => {
  const nodes = await fabric.nodes(2, { transport: 'tcp' })
  const path = await proxy.tcp({ target: nodes[1]! })
  const config = {
    targets: [nodes[0]!, path],
    streams: 10,
    concurrency: 2,
    bytesPerStream: 32 * 1024,
    ...MIGRATE,
    impairTarget: 1,
  }
  // The impairment was never applied: the verdict says the degradation was not seen.
  const unseen = await fabric.load(config)
  expect(unseen.degradedTargets).toEqual({})
  expect(unseen.verdictReasons).toEqual(['expected_degraded_target_not_observed'])
  // Applied, the target is seen degraded and left: both rules stay quiet.
  path.set(SLOW)
  const seen = await fabric.load(config)
  expect(seen.degradedTargets).toEqual({ [path.url]: 'slow_ack' })
  expect(seen.migrationEvents).toBeGreaterThan(0)
  expect(seen).toPassVerdict()
})

test('with the quarantine off, a slow target is still reported degraded and the verdict sees it', async ({
  fabric,
  proxy,
}) => {
  const nodes = await fabric.nodes(2, { transport: 'tcp' })
  const slow = await proxy.tcp({ target: nodes[1]!, impairments: SLOW })
  const report = await fabric.load({
    targets: [nodes[0]!, slow],
    streams: 4,
    concurrency: 2,
    bytesPerStream: 32 * 1024,
    ...MIGRATE,
    impairTarget: 1,
    targetQuarantineTtl: 0,
  })
  expect(report.successfulStreams).toBe(4)
  // Nothing is quarantined, so each stream placed on the slow target starts there and moves off.
  expect(report.events.filter((e) => e.type === 'quarantine')).toHaveLength(0)
  expect(report.migrationEvents).toBe(2)
  expect(report.degradedTargets).toEqual({ [slow.url]: 'slow_ack' })
  expect(report).toPassVerdict()
})

test('a degraded target no stream could leave fails degraded_targets_without_migration', async ({
  fabric,
  proxy,
}) => {
  const [node] = await fabric.nodes(1, { transport: 'tcp' })
  const slow = await proxy.tcp({ target: node!, impairments: SLOW })
  const report = await fabric.load({
    targets: [slow],
    streams: 1,
    bytesPerStream: 8192,
    migrateSlowStreams: true,
    maxAckMs: 100,
  })
  expect(report.verdictReasons).toEqual(['degraded_targets_without_migration'])
})
