import { randomBytes } from 'node:crypto'
import dgram from 'node:dgram'
import quiche from '@matrixai/quic/native/quiche.js'
import { afterEach, describe, expect, test } from 'vitest'
import { buildConfig, DEFAULT_TUNING } from '../../src/transport/quic/config.js'
import { quicTransport } from '../../src/transport/quic/index.js'
import { onTeardown } from '../helpers/cleanup.js'
import { sha256 } from '../helpers/digest.js'
import { sleep, until } from '../helpers/wait.js'
import { bytes, echoBack, echoNode, LossyRelay, prng, readAll, runCleanup, writeAll } from './helpers.js'

const HOST = '127.0.0.1'
afterEach(runCleanup)

async function rawSocket(): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, HOST, () => resolve()))
  onTeardown(() => new Promise<void>((resolve) => socket.close(() => resolve())))
  return socket
}

/** A genuine client Initial datagram, from a quiche client that is then thrown away. */
let clientConfig: ReturnType<typeof buildConfig> | undefined

function clientInitial(port: number): Buffer {
  clientConfig ??= buildConfig(DEFAULT_TUNING)
  const config = clientConfig
  const conn = quiche.Connection.connect(
    null,
    randomBytes(20),
    { host: HOST, port: 1 },
    { host: HOST, port },
    config,
  )
  const out = Buffer.alloc(1500)
  const sent = conn.send(out)
  if (sent === null) throw new Error('quiche produced no Initial')
  return out.subarray(0, sent[0])
}

/** Sends datagrams in batches so the kernel buffer is not the thing being tested. */
async function blast(socket: dgram.Socket, port: number, datagrams: Buffer[]): Promise<void> {
  for (let i = 0; i < datagrams.length; i++) {
    socket.send(datagrams[i]!, port, HOST)
    if (i % 200 === 199) await sleep(2)
  }
  await sleep(50)
}

describe('quic robustness', () => {
  test('random and truncated datagrams never disturb a live link', async () => {
    const listener = await echoNode()
    const link = await quicTransport.connect({ host: HOST, port: listener.port, timeoutMs: 3000 })
    const data = bytes(1024 * 1024, 7)
    const echoed = readAll(link)
    const random = prng(42)
    const initial = clientInitial(listener.port)
    const junk: Buffer[] = []
    for (let i = 0; i < 4000; i++) {
      const kind = i % 4
      if (kind === 0) junk.push(randomBytes(1 + Math.floor(random() * 1500)))
      else if (kind === 1) junk.push(Buffer.from(initial.subarray(0, Math.floor(random() * initial.length))))
      else if (kind === 2) {
        // Short header with an unknown connection id.
        const packet = randomBytes(21 + Math.floor(random() * 1200))
        packet[0] = 0x40 | (packet[0]! & 0x3f)
        junk.push(packet)
      } else {
        // A real Initial with bytes flipped: parses, then fails inside quiche.
        const packet = Buffer.from(initial)
        for (let j = 0; j < 8; j++) packet[20 + Math.floor(random() * (packet.length - 20))]! ^= 0xff
        junk.push(packet)
      }
    }
    const socket = await rawSocket()
    const before = listener.stats()
    writeAll(link, data, 32 * 1024)
    await blast(socket, listener.port, junk)
    const back = await echoed
    expect(sha256(back)).toBe(sha256(data))
    const after = listener.stats()
    // Every datagram reached the node and was dealt with: refused as unparsable, dropped as
    // unroutable, or (flipped Initials sharing a connection id) discarded by quiche's AEAD check.
    expect(after.packetsIn - before.packetsIn).toBeGreaterThanOrEqual(junk.length)
    expect(after.badPackets - before.badPackets).toBeGreaterThan(100)
    expect(after.droppedPackets - before.droppedPackets).toBeGreaterThan(1000)
    expect(after.handshakes).toBe(1)
  })

  test('an Initial flood is capped and a live link keeps working', async () => {
    const listener = await echoNode({ maxPendingHandshakes: 64, handshakeTimeoutMs: 300 })
    const link = await quicTransport.connect({ host: HOST, port: listener.port, timeoutMs: 3000 })
    const socket = await rawSocket()
    const flood = Array.from({ length: 1500 }, () => clientInitial(listener.port))
    const data = bytes(256 * 1024, 9)
    const echoed = readAll(link)
    writeAll(link, data)
    await blast(socket, listener.port, flood)
    expect(sha256(await echoed)).toBe(sha256(data))
    const stats = listener.stats()
    expect(stats.refusedInitials).toBeGreaterThan(0)
    expect(stats.connections).toBeLessThanOrEqual(64 + 1)
    // Abandoned handshakes are dropped at the handshake timeout; new clients get in again.
    expect(await until(() => listener.stats().connections === 0, 3000)).toBe(true)
    expect(listener.stats().handshakeTimeouts).toBeGreaterThan(0)
    const late = await quicTransport.connect({ host: HOST, port: listener.port, timeoutMs: 3000 })
    const lateEcho = echoBack(late, Buffer.from('still here'))
    expect((await lateEcho).toString()).toBe('still here')
  })

  test('a handshake the node could not read before its timeout, due to a blocked event loop, survives', async () => {
    const listener = await echoNode({ handshakeTimeoutMs: 100 })
    const link = await quicTransport.connect({ host: HOST, port: listener.port, timeoutMs: 3000 })
    // The client counts itself connected once it sends its last handshake flight; blocking the
    // event loop now leaves that flight unread in the node's socket past the node's deadline.
    const blockedUntil = Date.now() + 300
    while (Date.now() < blockedUntil) {}
    const echoed = echoBack(link, Buffer.from('still connected'))
    expect((await echoed).toString()).toBe('still connected')
    expect(listener.stats().handshakeTimeouts).toBe(0)
    expect(listener.stats().handshakes).toBe(1)
  })

  test('keeps every byte through a relay that drops, duplicates and reorders', async () => {
    const listener = await echoNode()
    const relay = await LossyRelay.start(listener.port, {
      drop: 0.03,
      duplicate: 0.02,
      reorder: 0.05,
      seed: 11,
    })
    onTeardown(() => relay.close())
    const link = await quicTransport.connect({ host: HOST, port: relay.port, timeoutMs: 5000 })
    // Enough datagrams (20 KiB each on loopback) that every impairment strikes many times.
    const data = bytes(8 * 1024 * 1024 + 5, 3)
    const echoed = echoBack(link, data, 64 * 1024)
    const back = await echoed
    expect(back.length).toBe(data.length)
    expect(sha256(back)).toBe(sha256(data))
    expect(relay.dropped).toBeGreaterThan(10)
    expect(relay.duplicated).toBeGreaterThan(5)
    expect(relay.reordered).toBeGreaterThan(10)
    // 2-4 s alone; up to ~10 s with both cores busy, as in CI beside other test files.
  }, 60_000)
})
