import { once } from 'node:events'
import net from 'node:net'
import { encodeFrame, FrameType } from '../../src/protocol/frames.js'
import { segmentFrames } from '../../src/relay/wire.js'
import { expect, test } from '../../src/vitest/index.js'
import { sha256 } from '../helpers/digest.js'
import { payload } from '../helpers/payload.js'

for (const transport of ['tcp', 'quic'] as const) {
  test(`${transport}: a submitted segment reaches the peer whole, once`, async ({ fabric }) => {
    const peer = await fabric.peer({ transport })
    const relay = await fabric.relay({ peer, transport })
    const segment = payload(100_000, 3)
    expect(await relay.submit('seg-a', segment)).toEqual({ id: 'seg-a', delivered: true })
    expect(peer.received()).toEqual([
      { id: 'seg-a', size: 100_000, sha256: sha256(segment), at: expect.any(Number) },
    ])
    expect(peer.bytes('seg-a')?.equals(segment)).toBe(true)
    const ledger = relay.ledger('seg-a')
    expect(ledger?.attempts).toEqual([
      { at: expect.any(Number), ok: true, bytes: 100_000, ms: expect.any(Number) },
    ])
    expect(ledger?.deliveredAt).toBeGreaterThanOrEqual(ledger?.submittedAt ?? Number.NaN)
    // The same id again is idempotent: not sent, not recorded twice.
    expect(await relay.submit('seg-a', segment)).toEqual({ id: 'seg-a', delivered: true })
    expect(peer.stats()).toMatchObject({ recorded: 1, connections: 1 })
    expect(relay.deadletters()).toEqual([])
  })
}

test('a killed peer leaves the segment dead; a retry after its restart delivers it', async ({ fabric }) => {
  const peer = await fabric.peer({ transport: 'tcp' })
  const relay = await fabric.relay({ peer })
  await peer.kill()
  const result = await relay.submit('seg-b', payload(64))
  expect(result.delivered).toBe(false)
  expect(result.error).toMatch(/refused|ECONNREFUSED/i)
  expect(relay.deadletters()).toEqual([{ id: 'seg-b', size: 64, attempts: 1, lastError: result.error }])
  await peer.restart()
  expect(await relay.retry('seg-b')).toEqual({ delivered: ['seg-b'], dead: [] })
  expect(relay.ledger('seg-b')?.attempts.map((a) => a.ok)).toEqual([false, true])
  expect(peer.received().map((r) => r.id)).toEqual(['seg-b'])
  expect(relay.status()).toMatchObject({ segments: 1, delivered: 1, dead: 0, attempts: 2 })
})

test('seeded segments start in the deadletter queue; retryAll delivers them', async ({ fabric }) => {
  const peer = await fabric.peer({ transport: 'tcp' })
  const relay = await fabric.relay({ peer })
  for (const id of ['s1', 's2', 's3']) {
    expect(await relay.submit(id, payload(64, id.length), { seedFailed: 'seed: peer unreachable' })).toEqual({
      id,
      delivered: false,
      error: 'seed: peer unreachable',
    })
  }
  expect(relay.deadletters().map((d) => [d.id, d.attempts, d.lastError])).toEqual([
    ['s1', 1, 'seed: peer unreachable'],
    ['s2', 1, 'seed: peer unreachable'],
    ['s3', 1, 'seed: peer unreachable'],
  ])
  expect(peer.received()).toEqual([])
  expect(await relay.retryAll()).toEqual({ delivered: ['s1', 's2', 's3'], dead: [] })
  // Retried in parallel (each read back from the log first): the peer's order is arrival order.
  expect(
    peer
      .received()
      .map((r) => r.id)
      .sort(),
  ).toEqual(['s1', 's2', 's3'])
})

test('the ledger and the queue survive a kill and a restart on the same store', async ({ fabric }) => {
  const peer = await fabric.peer({ transport: 'tcp' })
  const relay = await fabric.relay({ peer })
  await relay.submit('done', payload(64, 1))
  await relay.submit('waiting', payload(64, 2), { seedFailed: 'seed: peer unreachable' })
  await relay.kill()
  expect(relay.running).toBe(false)
  expect(() => relay.deadletters()).toThrow(/not running/)
  await relay.restart()
  expect(relay.ledger('done')?.deliveredAt).toBeGreaterThan(0)
  expect(relay.deadletters()).toEqual([
    { id: 'waiting', size: 64, attempts: 1, lastError: 'seed: peer unreachable' },
  ])
  expect(await relay.retryAll()).toEqual({ delivered: ['waiting'], dead: [] })
  expect(peer.received().map((r) => r.id)).toEqual(['done', 'waiting'])
})

test('queued 128 KiB segments are read back from the store after a kill and delivered byte for byte', async ({
  fabric,
}) => {
  const peer = await fabric.peer({ transport: 'tcp' })
  const relay = await fabric.relay({ peer })
  await peer.kill()
  const segments = new Map(Array.from({ length: 6 }, (_, i) => [`big-${i}`, payload(128 * 1024 + i, i + 1)]))
  for (const [id, bytes] of segments) expect((await relay.submit(id, bytes)).delivered).toBe(false)
  // A retry while the peer is still down reads every segment from the log and fails again.
  expect((await relay.retryAll()).dead).toHaveLength(6)
  await relay.kill()
  await relay.restart()
  await peer.restart()
  expect(await relay.retryAll()).toEqual({ delivered: [...segments.keys()], dead: [] })
  // Retried in parallel: the peer's order is the order they arrived in.
  expect(
    peer
      .received()
      .map((r) => [r.id, r.sha256])
      .sort(),
  ).toEqual([...segments].map(([id, bytes]) => [id, sha256(bytes)]).sort())
  for (const [id, bytes] of segments) expect(peer.bytes(id)?.equals(bytes), id).toBe(true)
})

test('a peer that already recorded a segment acknowledges it again without recording it twice', async ({
  fabric,
}) => {
  const peer = await fabric.peer({ transport: 'tcp' })
  const first = await fabric.relay({ peer })
  const second = await fabric.relay({ peer })
  const segment = payload(4096, 9)
  expect((await first.submit('dup', segment)).delivered).toBe(true)
  // A second relay (as one restarted after sending but before recording) sends the same id again.
  expect((await second.submit('dup', segment)).delivered).toBe(true)
  expect(peer.received()).toHaveLength(1)
  expect(peer.stats()).toMatchObject({ recorded: 1, duplicates: 1 })
})

test('an attempt ends at attemptTimeout when nothing answers', async ({ fabric, proxy }) => {
  const peer = await fabric.peer({ transport: 'tcp' })
  const front = await proxy.tcp({ target: peer.url, impairments: [{ kind: 'predial', ms: 2000 }] })
  const relay = await fabric.relay({ peer: front, attemptTimeout: 200 })
  const result = await relay.submit('slow', payload(64))
  expect(result).toEqual({ id: 'slow', delivered: false, error: expect.stringMatching(/within 200 ms/) })
  expect(relay.ledger('slow')?.attempts[0]?.ms).toBeLessThan(2000)
})

test('autoRetry delivers a dead segment by itself once the peer is back', async ({ fabric }) => {
  const peer = await fabric.peer({ transport: 'tcp' })
  const relay = await fabric.relay({ peer, autoRetry: { initialMs: 20, maxMs: 50 } })
  await peer.kill()
  expect((await relay.submit('auto', payload(64))).delivered).toBe(false)
  await peer.restart()
  await expect.poll(() => peer.received().map((r) => r.id), { timeout: 5000 }).toEqual(['auto'])
  expect(relay.ledger('auto')?.deliveredAt).toBeGreaterThan(0)
})

test('bad options and ids are refused with the field, the value and the rule', async ({ fabric }) => {
  const peer = await fabric.peer({ transport: 'tcp' })
  await expect(fabric.relay({ peer, atemptTimeout: 10 } as never)).rejects.toThrow(
    "unknown field 'atemptTimeout' in relay options; did you mean 'attemptTimeout'?",
  )
  await expect(fabric.relay({ peer, attemptTimeout: -1 })).rejects.toThrow(/attemptTimeout must be/)
  await expect(fabric.relay({ peer, transport: 'quic' })).rejects.toThrow(
    /transport must be the peer's scheme 'tcp'/,
  )
  await expect(fabric.relay({ peer: 'http://127.0.0.1:1' })).rejects.toThrow(/peer/)
  await expect(fabric.relay({ peer, autoRetry: { maxAttempt: 3 } as never })).rejects.toThrow(
    /did you mean 'maxAttempts'/,
  )
  await expect(fabric.peer({ transport: 'udp' as never })).rejects.toThrow(
    /transport must be 'quic' or 'tcp'/,
  )
  const relay = await fabric.relay({ peer })
  await expect(relay.submit('', payload(1))).rejects.toThrow(/id must be a non-empty string/)
  await expect(relay.submit('x', 'text' as never)).rejects.toThrow(/bytes must be a Uint8Array/)
  await expect(relay.retry('nope')).rejects.toThrow(/id must be the id of a segment submitted/)
  await relay.submit('x', payload(8, 1))
  await expect(relay.submit('x', payload(8, 2))).rejects.toThrow(/unique per segment/)
})

test('the peer records nothing whose bytes differ from the header, or that was cut before CLOSE', async ({
  fabric,
}) => {
  const peer = await fabric.peer({ transport: 'tcp' })
  const data = payload(1000, 4)
  const send = async (frames: Buffer[]) => {
    const socket = net.connect(peer.port, '127.0.0.1')
    // The peer ends the connection after its ERROR; a reset then is part of the refusal.
    socket.on('error', () => undefined)
    await once(socket, 'connect')
    const answer: Buffer[] = []
    socket.on('data', (chunk: Buffer) => answer.push(chunk))
    for (const frame of frames) socket.write(frame)
    return { socket, answer }
  }
  // A header whose sha256 is not the bytes': answered with ERROR, not recorded.
  const wrong = await send(segmentFrames({ id: 'bad', size: 1000, sha256: 'f'.repeat(64) }, data))
  await once(wrong.socket, 'close')
  expect(Buffer.concat(wrong.answer).toString()).toContain('differs from the header')
  // Every frame but CLOSE, then the connection is dropped: a cut transfer, not recorded.
  const frames = segmentFrames({ id: 'cut', size: 1000, sha256: sha256(data) }, data)
  // A PING after them: its PONG says the peer has taken every frame before it.
  const ping = encodeFrame({ type: FrameType.PING, channel: 1, nonce: 7 })
  const cut = await send([...frames.slice(0, -1), ping])
  await expect.poll(() => Buffer.concat(cut.answer).length).toBeGreaterThan(0)
  cut.socket.destroy()
  await expect.poll(() => peer.stats().cut).toBe(1)
  expect(peer.stats()).toMatchObject({ recorded: 0, rejected: 1 })
  expect(peer.received()).toEqual([])
})
