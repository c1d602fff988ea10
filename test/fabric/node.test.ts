import net from 'node:net'
import { crc32 } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { FieldError } from '../../src/errors/field-error.js'
import { type FabricNode, type NodeOptions, NodeOptionsError, startNode } from '../../src/fabric/node.js'
import { ErrorCode, FrameType } from '../../src/protocol/frames.js'
import { foldChecksum, streamPayload } from '../../src/protocol/payload.js'
import type { EventBus } from '../../src/run/events.js'
import { generateCertificate } from '../../src/transport/quic/certificate.js'
import { RawClient } from '../helpers/raw-client.js'

const started: FabricNode[] = []
const clients: RawClient[] = []
async function node(): Promise<FabricNode> {
  const n = await startNode({ transport: 'tcp' })
  started.push(n)
  return n
}
async function client(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port)
  clients.push(c)
  return c
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close()
  for (const n of started.splice(0)) await n.kill()
})

describe('fabric node over TCP', () => {
  it('acknowledges OPEN, every DATA frame with its checksum, and CLOSE with the whole-channel checksum', async () => {
    const n = await node()
    expect(n.url).toBe(`tcp://127.0.0.1:${n.port}`)
    const c = await client(n.port)
    const a = streamPayload(5, 0, 1000)
    const b = streamPayload(5, 1000, 500)
    c.send(
      { type: FrameType.OPEN, channel: 1, stream: 5, trafficClass: 'bulk', resumeOffset: 0 },
      { type: FrameType.DATA, channel: 1, sequence: 1, payload: a },
      { type: FrameType.DATA, channel: 1, sequence: 2, payload: b },
      { type: FrameType.CLOSE, channel: 1, totalBytes: 1500 },
    )
    const frames = await c.waitFrames(4)
    expect(frames).toEqual([
      { type: FrameType.ACK, channel: 1, sequence: 0, checksum: 0 },
      { type: FrameType.ACK, channel: 1, sequence: 1, checksum: crc32(a) },
      { type: FrameType.ACK, channel: 1, sequence: 2, checksum: crc32(b) },
      {
        type: FrameType.CLOSE_ACK,
        channel: 1,
        totalBytes: 1500,
        checksum: foldChecksum(foldChecksum(0, crc32(a)), crc32(b)),
      },
    ])
    expect(n.stats()).toMatchObject({
      connections: 1,
      channelsOpened: 1,
      channelsClosed: 1,
      channelsActive: 0,
      bytes: 1500,
      acks: 2,
      protocolErrors: 0,
      contentErrors: 0,
    })
  })

  it('carries many channels on one connection, and resumes a stream at an offset', async () => {
    const n = await node()
    const c = await client(n.port)
    for (let ch = 1; ch <= 20; ch++) {
      c.send({ type: FrameType.OPEN, channel: ch, stream: ch, trafficClass: 'control', resumeOffset: 4096 })
    }
    for (let ch = 1; ch <= 20; ch++) {
      c.send({ type: FrameType.DATA, channel: ch, sequence: 1, payload: streamPayload(ch, 4096, 100) })
    }
    await c.waitFrames(40)
    expect(n.stats().channelsActive).toBe(20)
    expect(n.stats().contentErrors).toBe(0)
    expect(c.frames.filter((f) => f.type === FrameType.ACK && f.sequence === 1)).toHaveLength(20)
  })

  it('counts payloads that are not the stream’s bytes as content errors', async () => {
    const n = await node()
    const c = await client(n.port)
    c.send(
      { type: FrameType.OPEN, channel: 1, stream: 1, trafficClass: 'bulk', resumeOffset: 0 },
      { type: FrameType.DATA, channel: 1, sequence: 1, payload: Buffer.alloc(64, 7) },
    )
    const frames = await c.waitFrames(2)
    expect(frames[1]).toEqual({
      type: FrameType.ACK,
      channel: 1,
      sequence: 1,
      checksum: crc32(Buffer.alloc(64, 7)),
    })
    expect(n.stats().contentErrors).toBe(1)
  })

  it('answers garbage with an ERROR frame, closes that connection only, and keeps serving others', async () => {
    const n = await node()
    const good = await client(n.port)
    const bad = await client(n.port)
    bad.sendRaw(Buffer.from([0x3f, 0x01, 0x00, 0xff, 0xff]))
    await bad.waitClosed()
    expect(bad.frames[0]).toMatchObject({ type: FrameType.ERROR, code: ErrorCode.MALFORMED })
    const oversized = await client(n.port)
    oversized.sendRaw(Buffer.from([FrameType.DATA, 0x01, 0x80, 0x10, 0x00, 0x00]))
    await oversized.waitClosed()
    expect(oversized.frames[0]).toMatchObject({ type: FrameType.ERROR, code: ErrorCode.FRAME_TOO_LARGE })
    const stranger = await client(n.port)
    stranger.send({ type: FrameType.DATA, channel: 9, sequence: 1, payload: Buffer.alloc(4) })
    await stranger.waitClosed()
    expect(stranger.frames[0]).toMatchObject({ type: FrameType.ERROR, code: ErrorCode.UNKNOWN_CHANNEL })
    expect(n.stats().protocolErrors).toBe(3)

    good.send({ type: FrameType.PING, channel: 0, nonce: 77 })
    expect(await good.waitFrames(1)).toEqual([{ type: FrameType.PONG, channel: 0, nonce: 77 }])
  })

  it('kill() drops connections with no goodbye and restart() listens on the same port', async () => {
    const n = await node()
    const c = await client(n.port)
    c.send({ type: FrameType.OPEN, channel: 1, stream: 1, trafficClass: 'bulk', resumeOffset: 0 })
    await c.waitFrames(1)
    const reset = new Promise<string | undefined>((resolve) =>
      c.socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code)),
    )
    await n.kill()
    expect(await reset).toBe('ECONNRESET')
    expect(n.running).toBe(false)
    expect(n.stats().channelsActive).toBe(0)
    await expect(RawClient.connect(n.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    await n.restart()
    expect(n.running).toBe(true)
    const again = await client(n.port)
    again.send({ type: FrameType.PING, channel: 0, nonce: 1 })
    expect(await again.waitFrames(1)).toHaveLength(1)
  })

  it('stop() closes connections in order and leaves no socket or timer behind', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length
    const n = await startNode({ transport: 'tcp' })
    const c = await RawClient.connect(n.port)
    c.send({ type: FrameType.OPEN, channel: 1, stream: 1, trafficClass: 'bulk', resumeOffset: 0 })
    await c.waitFrames(1)
    await n.stop()
    await c.waitClosed()
    expect(c.closed).toBe(true)
    await new Promise((resolve) => setImmediate(resolve))
    const after = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap')
    expect(after.length, after.join(',')).toBeLessThanOrEqual(before)
  })

  it('rejects bad options with the field, the value and the rule', async () => {
    await expect(startNode({ transport: 'udp' as 'tcp' })).rejects.toThrow(
      `transport must be 'quic' or 'tcp', got 'udp'`,
    )
    await expect(startNode({ transport: 'tcp', port: '3' as unknown as number })).rejects.toThrow(
      "port must be an integer from 0 to 65535, got '3'",
    )
    await expect(startNode({ transport: 'tcp', port: 70000 })).rejects.toThrow(
      'port must be an integer from 0 to 65535, got 70000',
    )
    await expect(startNode({ transport: 'tcp', maxPayload: 0 })).rejects.toThrow(
      /maxPayload must be an integer/,
    )
  })

  it('rejects an unknown option with the closest known name, before binding anything', async () => {
    const before = process.getActiveResourcesInfo().length
    const typo = { transprot: 'tcp' } as unknown as NodeOptions
    const error = await startNode(typo).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(NodeOptionsError)
    expect(error).toBeInstanceOf(FieldError)
    expect((error as Error).message).toBe(
      "unknown field 'transprot' in node options; did you mean 'transport'?",
    )
    expect(error).toMatchObject({ field: 'transprot', value: 'tcp' })
    await expect(startNode({ maxDatagram: 1452 } as unknown as NodeOptions)).rejects.toThrow(
      "unknown field 'maxDatagram' in node options; did you mean 'maxDatagramSize'?",
    )
    expect(process.getActiveResourcesInfo().length).toBeLessThanOrEqual(before)
  })

  it('refuses QUIC-only options on a TCP node, without printing the key', async () => {
    const { key, cert } = generateCertificate()
    const error = await startNode({ transport: 'tcp', key, cert }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(NodeOptionsError)
    expect((error as Error).message).toBe(
      "key is a QUIC-only option; a node with transport 'tcp' does not take it",
    )
    expect((error as Error).message).not.toContain('PRIVATE KEY')
    await expect(startNode({ transport: 'tcp', maxDatagramSize: 1452 })).rejects.toThrow(
      "maxDatagramSize is a QUIC-only option; a node with transport 'tcp' does not take it",
    )
  })

  it('checks key and cert, maxDatagramSize and events of a QUIC node', async () => {
    const { key } = generateCertificate()
    await expect(startNode({ key })).rejects.toThrow('cert must be given with key (both or neither)')
    await expect(startNode({ key, cert: 'not a certificate' })).rejects.toThrow(
      "cert must be a PEM string, got 'not a certificate'",
    )
    // A key of another certificate: every handshake would fail later, so the node refuses it now.
    await expect(startNode({ key, cert: generateCertificate().cert })).rejects.toThrow(
      "key must be the private key of cert's public key; this key belongs to another certificate",
    )
    await expect(
      startNode({
        key: '-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----',
        cert: generateCertificate().cert,
      }),
    ).rejects.toThrow('key is not a PEM private key')
    for (const size of [1199, 20_481, 1452.5, '1452']) {
      await expect(startNode({ maxDatagramSize: size as number })).rejects.toThrow(
        `maxDatagramSize must be an integer from 1200 to 20480 bytes, got ${typeof size === 'string' ? `'${size}'` : size}`,
      )
    }
    await expect(startNode({ events: {} as EventBus })).rejects.toThrow('events must be an EventBus, got {}')
  })

  it('refuses a port in use with the bind error', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as net.AddressInfo).port
    await expect(startNode({ transport: 'tcp', port })).rejects.toMatchObject({ code: 'EADDRINUSE' })
    await new Promise((resolve) => blocker.close(resolve))
  })
})
