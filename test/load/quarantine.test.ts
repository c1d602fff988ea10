import { Worker } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import { type FabricNode, startNode } from '../../src/fabric/node.js'
import { resolveConfig } from '../../src/load/config.js'
import { runLoad } from '../../src/load/run.js'
import { TargetHealth } from '../../src/load/target-health.js'
import { loadWorkload } from '../../src/load/workload.js'
import { FrameType } from '../../src/protocol/frames.js'
import { startFakeNode } from '../helpers/fake-node.js'

const nodes: FabricNode[] = []
const closers: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const n of nodes.splice(0)) await n.kill()
  for (const close of closers.splice(0)) await close()
})

async function tcpNodes(n: number): Promise<FabricNode[]> {
  const created = await Promise.all(Array.from({ length: n }, () => startNode({ transport: 'tcp' })))
  nodes.push(...created)
  return created
}

/** A node that acknowledges OPEN and then never answers again. */
async function mute(): Promise<string> {
  const node = await startFakeNode((frame) =>
    frame.type === FrameType.OPEN
      ? [{ type: FrameType.ACK, channel: frame.channel, sequence: 0, checksum: 0 }]
      : [],
  )
  closers.push(node.close)
  return node.url
}

describe('the run-wide quarantine', () => {
  it('is one shared memory in every worker task, visible from another thread', async () => {
    const config = resolveConfig({
      targets: ['tcp://127.0.0.1:1', 'tcp://127.0.0.1:2'],
      workers: 3,
      concurrency: 3,
    })
    const tasks = loadWorkload.plan(config)
    expect(tasks).toHaveLength(3)
    expect(tasks.every((task) => task.health === tasks[0]!.health)).toBe(true)
    // Another thread quarantines target 1 through the same memory; this thread sees it.
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads')
       Atomics.store(new BigInt64Array(workerData), 1, BigInt(Date.now() + 60000))
       parentPort.postMessage('done')`,
      { eval: true, workerData: tasks[0]!.health },
    )
    await new Promise((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    await worker.terminate()
    const health = new TargetHealth(tasks[1]!.health)
    expect(health.quarantined(1, Date.now())).toBe(true)
    expect(health.quarantined(0, Date.now())).toBe(false)
  })

  it('skips a dead target across workers and reports it in degradedTargets', async () => {
    const [a, b] = await tcpNodes(2)
    const dead = await startNode({ transport: 'tcp' })
    await dead.stop()
    const report = await runLoad({
      targets: [a!, dead.url, b!],
      streams: 60,
      concurrency: 2,
      workers: 2,
      bytesPerStream: 1024,
    })
    expect(report.successfulStreams).toBe(60)
    // Each worker meets the dead target at most once before the shared quarantine covers it.
    expect(report.errors.connect_refused).toBeGreaterThanOrEqual(1)
    expect(report.errors.connect_refused).toBeLessThanOrEqual(2)
    expect(report.degradedTargets).toEqual({ [dead.url]: 'connect_refused' })
    expect(report.targetStreams[dead.url]).toBe(0)
    const events = report.events.filter((e) => e.type === 'quarantine')
    expect(events[0]).toMatchObject({
      source: 'load',
      target: dead.url,
      reason: 'connect_refused',
      ttlMs: 5000,
    })
  })

  it('quarantines on an ACK timeout but not on the stream’s own timeout', async () => {
    const silent = await mute()
    const acked = await runLoad({ targets: [silent], streams: 1, ackTimeout: '150ms' })
    expect(acked.errors).toEqual({ ack_timeout: 1 })
    expect(acked.degradedTargets).toEqual({ [silent]: 'ack_timeout' })
    const timed = await runLoad({ targets: [silent], streams: 1, ackTimeout: '5s', streamTimeout: '150ms' })
    expect(timed.errors).toEqual({ stream_timeout: 1 })
    expect(timed.degradedTargets).toEqual({})
    expect(timed.events.filter((e) => e.type === 'quarantine')).toEqual([])
  })

  it('gives failTarget the failure quarantine and records the failure in the report config', async () => {
    const targets = await tcpNodes(3)
    const report = await runLoad({
      targets,
      streams: 60,
      concurrency: 6,
      bytesPerStream: 512 * 1024, // long enough that the kill lands mid-run
      payloadSize: 4096,
      failTarget: 1,
      failAfter: '30ms',
      targetQuarantineTtl: '50ms',
      failureQuarantineTtl: '1m',
    })
    expect(report.successfulStreams).toBe(60)
    expect(report.config).toMatchObject({
      failTarget: 1,
      failAfterMs: 30,
      targetQuarantineMs: 50,
      failureQuarantineMs: 60_000,
    })
    const quarantines = report.events.filter((e) => e.type === 'quarantine')
    expect(quarantines.length).toBeGreaterThan(0)
    expect(quarantines.every((e) => e.target === targets[1]!.url && e.ttlMs === 60_000)).toBe(true)
    expect(Object.keys(report.degradedTargets)).toEqual([targets[1]!.url])
  })
})

describe('reference timeout and traffic-class semantics', () => {
  it('bounds the whole logical stream by streamTimeout, failovers included', async () => {
    const first = await mute()
    const second = await mute()
    const report = await runLoad({
      targets: [first, second],
      streams: 1,
      ackTimeout: '300ms',
      streamTimeout: '450ms',
    })
    // The first attempt runs out of ACK time; the failover has only what is left of the stream's.
    expect(report.errors).toEqual({ ack_timeout: 1, stream_timeout: 1 })
    expect(report.errorSamples[0]).toMatchObject({ attempts: 2, target: second })
  })

  it('reads ackTimeout 0 as no ACK bound: only the stream timeout ends a silent stream', async () => {
    const silent = await mute()
    const report = await runLoad({ targets: [silent], streams: 1, ackTimeout: 0, streamTimeout: '200ms' })
    expect(report.errors).toEqual({ stream_timeout: 1 })
  })

  it('marks stream index % controlEvery == 0 as control, stream 0 first', async () => {
    const targets = await tcpNodes(1)
    const report = await runLoad({
      targets,
      streams: 10,
      concurrency: 1,
      controlEvery: 4,
      controlBytesPerStream: 512,
      bytesPerStream: 2048,
    })
    expect(report.controlStreams).toBe(3)
    expect(report.bulkStreams).toBe(7)
    expect(report.bytesSent).toBe(3 * 512 + 7 * 2048)
    const classes = report.streamSamples.map((s) => [s.stream, s.class])
    expect(classes.filter(([, c]) => c === 'control').map(([s]) => s)).toEqual([0, 4, 8])
  })
})

describe('duration', () => {
  it('without soak, ends the run when it expires, cancelling streams still in flight', async () => {
    const silent = await mute()
    const report = await runLoad({
      targets: [silent],
      streams: 50,
      concurrency: 2,
      ackTimeout: 0,
      streamTimeout: 0,
      duration: '300ms',
    })
    // Nothing answers and no timeout but the duration is set: only the duration ends the streams.
    expect(report.totalStreams).toBe(2)
    expect(report.errors).toEqual({ run_timeout: 2 })
    expect(report.degradedTargets).toEqual({})
  })
})
