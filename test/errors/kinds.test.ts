// Each error kind, provoked for real on loopback through runLoad, on TCP and on QUIC: the same
// failure must give the same kind on both, and its sample message must name the target.
import dgram from 'node:dgram'
import { afterEach, describe, expect, test } from 'vitest'
import { classifyError, describeFailure, ERROR_KINDS, RunError } from '../../src/errors/kinds.js'
import { type FabricNode, startNode } from '../../src/fabric/node.js'
import type { LoadConfig } from '../../src/load/config.js'
import { runLoad } from '../../src/load/run.js'
import type { LoadReport } from '../../src/load/types.js'
import { FrameType } from '../../src/protocol/frames.js'
import { createProxy } from '../../src/proxy/index.js'
import { transportFor } from '../../src/transport/index.js'
import type { TransportKind } from '../../src/transport/types.js'
import { closeTracked, onTeardown } from '../helpers/cleanup.js'
import { honest, startFakeNode } from '../helpers/fake-node.js'
import { until } from '../helpers/wait.js'

const HOST = '127.0.0.1'
afterEach(closeTracked)

async function node(transport: TransportKind): Promise<FabricNode> {
  const n = await startNode({ transport, host: HOST })
  onTeardown(() => n.kill())
  return n
}

/** Runs a short load whose every stream fails, and checks the failure is counted once per stream. */
async function failingRun(
  targets: LoadConfig['targets'],
  extra: Partial<LoadConfig> = {},
): Promise<LoadReport> {
  const report = await runLoad({
    targets,
    streams: 2,
    concurrency: 2,
    poolFailover: false,
    ...extra,
  } as LoadConfig)
  expect(report.successfulStreams).toBe(0)
  expect(report.failedStreams).toBe(2)
  expect(report.verdict).toBe('fail')
  return report
}

/** A run with streams long enough to be cut mid-way; `cut` fires once the node holds bytes. */
async function cutRun(
  target: LoadConfig['targets'][number],
  bytesSeen: () => number,
  cut: () => unknown,
  extra: Partial<LoadConfig> = {},
): Promise<LoadReport> {
  const running = runLoad({
    targets: [target],
    streams: 2,
    concurrency: 2,
    poolFailover: false,
    bytesPerStream: 1024 * 1024 * 1024,
    ...extra,
  } as LoadConfig)
  const flowing = await until(() => bytesSeen() > 0, 10_000)
  await cut()
  const report = await running
  expect(flowing).toBe(true)
  expect(report.successfulStreams).toBe(0)
  expect(report.failedStreams).toBe(2)
  return report
}

/** A listener of the given transport that answers the first bytes of a link with garbage. */
async function garbageNode(kind: TransportKind): Promise<string> {
  const transport = await transportFor(kind)
  const listener = await transport.listen({ host: HOST, port: 0 }, (link) => {
    link.onData(() => link.send(Buffer.alloc(64, 0xff)))
    link.onClose(() => undefined)
  })
  onTeardown(() => listener.kill())
  return `${kind}://${HOST}:${listener.port}`
}

/** A listener of the given transport that accepts links and never answers on them, as a hung node. */
async function muteNode(kind: TransportKind): Promise<string> {
  const transport = await transportFor(kind)
  const listener = await transport.listen({ host: HOST, port: 0 }, (link) => {
    link.onData(() => undefined)
    link.onClose(() => undefined)
  })
  onTeardown(() => listener.kill())
  return `${kind}://${HOST}:${listener.port}`
}

/** A listener of the given transport that ends each link in order once its first bytes arrive. */
async function closingNode(kind: TransportKind): Promise<string> {
  const transport = await transportFor(kind)
  const listener = await transport.listen({ host: HOST, port: 0 }, (link) => {
    link.onData(() => link.end())
    link.onClose(() => undefined)
  })
  onTeardown(() => listener.kill())
  return `${kind}://${HOST}:${listener.port}`
}

/** A UDP socket that swallows every datagram, as a hung node would. */
async function swallowingPort(): Promise<number> {
  const hole = dgram.createSocket('udp4')
  await new Promise<void>((resolve) => hole.bind(0, HOST, () => resolve()))
  hole.on('message', () => undefined)
  onTeardown(() => new Promise<void>((resolve) => hole.close(() => resolve())))
  return hole.address().port
}

describe('classifyError', () => {
  test("a RunError keeps its kind; Node's codes map to the vocabulary; the rest is internal", () => {
    expect(classifyError(new RunError('ack_timeout', 'x'))).toBe('ack_timeout')
    const coded = (code: string) => Object.assign(new Error(`getaddrinfo ${code} node.invalid`), { code })
    expect(classifyError(coded('ENOTFOUND'))).toBe('address_unresolved')
    expect(classifyError(coded('EAI_AGAIN'))).toBe('address_unresolved')
    expect(classifyError(coded('ECONNREFUSED'))).toBe('connect_refused')
    expect(classifyError(coded('ETIMEDOUT'))).toBe('connect_timeout')
    expect(classifyError(coded('ECONNRESET'))).toBe('reset')
    expect(classifyError(coded('EPIPE'))).toBe('reset')
    expect(classifyError(Object.assign(new Error('stop'), { name: 'AbortError' }))).toBe('aborted')
    expect(classifyError(new Error('no code'))).toBe('internal')
    expect(classifyError('a string')).toBe('internal')
    expect(classifyError(undefined)).toBe('internal')
    for (const kind of ERROR_KINDS) expect(classifyError(new RunError(kind, kind))).toBe(kind)
  })

  test('describeFailure puts the target first only when the message lacks it', () => {
    expect(describeFailure(new Error('read ECONNRESET'), '127.0.0.1:9')).toBe('127.0.0.1:9: read ECONNRESET')
    expect(describeFailure(new Error('TCP connect to 127.0.0.1:9 refused'), '127.0.0.1:9')).toBe(
      'TCP connect to 127.0.0.1:9 refused',
    )
  })
})

describe.each(['tcp', 'quic'] as const)('error kinds over %s', (kind) => {
  test('connect_refused: nothing listens on the port', async () => {
    const dead = await startNode({ transport: kind, host: HOST })
    await dead.stop()
    const report = await failingRun([dead.url])
    expect(report.errors).toEqual({ connect_refused: 2 })
    expect(report.errorMessages.connect_refused).toContain(`${HOST}:${dead.port}`)
    expect(report.errorMessages.connect_refused).toMatch(/refused/)
  })

  test('connect_timeout: the node never answers (a swallowing UDP port, a blackholing TCP proxy)', async () => {
    let target: string
    if (kind === 'quic') {
      target = `quic://${HOST}:${await swallowingPort()}`
    } else {
      // TCP has no loopback address that drops SYNs; a proxy that accepts and swallows stands
      // for a path that never reaches the node, and the node's first answer never comes.
      const n = await node('tcp')
      const proxy = await createProxy({
        protocol: 'tcp',
        target: n.url,
        impairments: [{ kind: 'outage', mode: 'blackhole' }],
      })
      onTeardown(() => proxy.close())
      target = proxy.url
    }
    const report = await failingRun([target], { connectTimeout: 300, ackTimeout: 300 })
    expect(report.errors).toEqual({ connect_timeout: 2 })
    expect(report.errorMessages.connect_timeout).toContain(target.slice(target.indexOf('//') + 2))
  })

  test('reset: the node is killed mid-stream', async () => {
    const n = await node(kind)
    const report = await cutRun(
      n,
      () => n.stats().bytes,
      () => n.kill(),
    )
    expect(report.errors).toEqual({ reset: 2 })
    expect(report.errorMessages.reset).toContain(`${HOST}:${n.port}`)
  })

  test('stream_timeout: the node takes the connection but never answers within streamTimeout', async () => {
    const url = await muteNode(kind)
    const report = await failingRun([url], { streamTimeout: 150, ackTimeout: 10_000, connectTimeout: 10_000 })
    expect(report.errors).toEqual({ stream_timeout: 2 })
    expect(report.errorMessages.stream_timeout).toContain(url.slice(url.indexOf('//') + 2))
  })

  test("run_timeout: the run's duration ends attempts still waiting on a silent node", async () => {
    const url = await muteNode(kind)
    const report = await failingRun([url], { duration: 150, ackTimeout: 0, streamTimeout: 0 })
    expect(report.errors).toEqual({ run_timeout: 2 })
    expect(report.errorMessages.run_timeout).toContain(url.slice(url.indexOf('//') + 2))
  })

  test('connection_closed: the node closes in order while a stream is on the connection', async () => {
    const url = await closingNode(kind)
    const report = await failingRun([url])
    expect(report.errors).toEqual({ connection_closed: 2 })
    expect(report.errorMessages.connection_closed).toContain(url.slice(url.indexOf('//') + 2))
  })

  test('protocol_error: the node answers with bytes that are not fabric frames', async () => {
    const url = await garbageNode(kind)
    const report = await failingRun([url])
    expect(report.errors).toEqual({ protocol_error: 2 })
    expect(report.errorMessages.protocol_error).toContain(url.slice(url.indexOf('//') + 2))
    expect(report.errorMessages.protocol_error).toMatch(/not fabric frames/)
  })
})

describe('error kinds that need one transport', () => {
  test('tls_fingerprint_mismatch (QUIC only; TCP has no TLS to pin)', async () => {
    const n = await node('quic')
    const wrong = 'ab'.repeat(32)
    const report = await failingRun([{ url: n.url, fingerprint: wrong }])
    expect(report.errors).toEqual({ tls_fingerprint_mismatch: 2 })
    expect(report.errorMessages.tls_fingerprint_mismatch).toBe(
      `QUIC connect to ${HOST}:${n.port} refused: certificate fingerprint is ${n.fingerprint}, expected ${wrong}`,
    )
    expect(n.stats().channelsOpened).toBe(0)
  })

  test('ack_timeout over TCP: a node that opens channels but never acknowledges DATA', async () => {
    const fake = await startFakeNode((frame) => (frame.type === FrameType.DATA ? [] : honest()(frame)))
    onTeardown(() => fake.close())
    const report = await failingRun([fake.url], { ackTimeout: 200 })
    expect(report.errors).toEqual({ ack_timeout: 2 })
    expect(report.errorMessages.ack_timeout).toMatch(
      /^no ACK from 127\.0\.0\.1:\d+ on channel \d+ within 200 ms$/,
    )
  })

  test('ack_timeout over QUIC: the UDP path to the node goes dark mid-run', async () => {
    const n = await node('quic')
    const proxy = await createProxy({ protocol: 'udp', target: n })
    onTeardown(() => proxy.close())
    const report = await cutRun(
      proxy.url,
      () => n.stats().bytes,
      () => proxy.set([{ kind: 'outage', mode: 'blackhole', cutExisting: true }]),
      { ackTimeout: 300 },
    )
    expect(report.errors).toEqual({ ack_timeout: 2 })
    expect(report.errorMessages.ack_timeout).toContain(`${HOST}:${proxy.port}`)
  })

  test('content_error shows as ACK checksum mismatches and a verdict reason, not a failed stream', async () => {
    // The runner keeps going when a node acknowledges different bytes: every frame is still
    // acknowledged, so the streams succeed and the verdict fails on ack_integrity_errors.
    const fake = await startFakeNode(
      honest((reply) =>
        reply.type === FrameType.ACK && reply.sequence > 0 ? { ...reply, checksum: 1 } : reply,
      ),
    )
    onTeardown(() => fake.close())
    const report = await runLoad({
      targets: [fake.url],
      streams: 2,
      bytesPerStream: 4096,
      payloadSize: 1024,
      poolFailover: false,
    })
    expect(report.successfulStreams).toBe(2)
    expect(report.errors).toEqual({})
    expect(report.ackIntegrityErrors).toBe(8)
    expect(report.verdict).toBe('fail')
    expect(report.verdictReasons.some((r) => r.startsWith('ack_integrity_errors'))).toBe(true)
  })
})
