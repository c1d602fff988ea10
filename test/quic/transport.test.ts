import dgram from 'node:dgram'
import { afterEach, describe, expect, test } from 'vitest'
import { RunError } from '../../src/errors/kinds.js'
import { LOOPBACK_PACKET_SIZE, PATH_PACKET_SIZE, packetSizeFor } from '../../src/transport/quic/config.js'
import { closeClients, generateCertificate, quicTransport } from '../../src/transport/quic/index.js'
import type { Link } from '../../src/transport/types.js'
import { onTeardown } from '../helpers/cleanup.js'
import { sha256 } from '../helpers/digest.js'
import { freeUdpPort } from '../helpers/udp.js'
import { sleep, until } from '../helpers/wait.js'
import { bytes, echoBack, echoNode, readAll, resources, runCleanup } from './helpers.js'

const HOST = '127.0.0.1'
afterEach(runCleanup)

describe('quic transport', () => {
  test('moves bytes intact in both directions over one link', async () => {
    const listener = await echoNode()
    const link = await quicTransport.connect({ host: HOST, port: listener.port, timeoutMs: 3000 })
    const data = bytes(3 * 1024 * 1024 + 17, 1)
    const echoed = echoBack(link, data, 64 * 1024)
    const back = await echoed
    expect(back.length).toBe(data.length)
    expect(sha256(back)).toBe(sha256(data))
    const stats = listener.stats()
    expect(stats.handshakes).toBe(1)
    expect(stats.bytesIn).toBeGreaterThan(data.length)
    expect(stats.bytesOut).toBeGreaterThan(data.length)
    expect(stats.packetsIn).toBeGreaterThan(data.length / LOOPBACK_PACKET_SIZE)
    // Loopback peers use datagrams far larger than a path MTU allows.
    expect(stats.bytesIn / stats.packetsIn).toBeGreaterThan(PATH_PACKET_SIZE)
  })

  test('closeClients() waits for an endpoint still retiring: no UDP socket outlives it', async () => {
    const listener = await echoNode()
    const link = await quicTransport.connect({ host: HOST, port: listener.port, timeoutMs: 3000 })
    const seen: string[] = []
    let lingering = false
    const { close, getSendQueueCount } = dgram.Socket.prototype
    onTeardown(() => {
      Object.assign(dgram.Socket.prototype, { close, getSendQueueCount })
    })
    Object.assign(dgram.Socket.prototype, {
      close(this: dgram.Socket, ...args: Parameters<dgram.Socket['close']>) {
        seen.push('socket closed')
        return close.apply(this, args)
      },
      // Datagrams still queued: a retiring endpoint keeps its socket open to let them out.
      getSendQueueCount() {
        lingering = true
        return 1
      },
    })
    // The endpoint's last connection goes: it retires and lingers on its send queue.
    link.destroy()
    expect(await until(() => lingering)).toBe(true)
    await closeClients()
    seen.push('closeClients resolved')
    // A worker's task ends when closeClients() resolves; a socket still open then would let a
    // late datagram reach a thread being terminated, which brings the whole process down.
    expect(seen).toEqual(['socket closed', 'closeClients resolved'])
  })

  test('keeps to a maxPacketSize the user sets', async () => {
    const listener = await echoNode({ maxPacketSize: 1452 })
    const link = await quicTransport.connect({
      host: HOST,
      port: listener.port,
      timeoutMs: 3000,
      maxPacketSize: 1452,
    })
    const data = bytes(512 * 1024, 4)
    const echoed = echoBack(link, data, 64 * 1024)
    expect(sha256(await echoed)).toBe(sha256(data))
    const stats = listener.stats()
    // Every datagram either way fits in 1452 bytes, so the averages cannot exceed it.
    expect(stats.bytesIn / stats.packetsIn).toBeLessThanOrEqual(1452)
    expect(stats.bytesOut / stats.packetsOut).toBeLessThanOrEqual(1452)
    expect(stats.packetsIn).toBeGreaterThan(data.length / 1452)
  })

  test('sizes datagrams by path: 20 KiB on loopback, 1452 bytes elsewhere', () => {
    expect(packetSizeFor('127.0.0.1')).toBe(LOOPBACK_PACKET_SIZE)
    expect(packetSizeFor('127.3.2.1')).toBe(LOOPBACK_PACKET_SIZE)
    expect(packetSizeFor('::1')).toBe(LOOPBACK_PACKET_SIZE)
    expect(packetSizeFor('::ffff:127.0.0.1')).toBe(LOOPBACK_PACKET_SIZE)
    // Documentation addresses (RFC 5737 / 3849), only ever passed as strings: nothing is sent.
    expect(packetSizeFor('192.0.2.7')).toBe(PATH_PACKET_SIZE)
    expect(packetSizeFor('2001:db8::1')).toBe(PATH_PACKET_SIZE)
    expect(PATH_PACKET_SIZE).toBe(1452)
  })

  test('the node can speak first, and sees the link before the client sends', async () => {
    const greeting = Buffer.from('hello from the node')
    let accepted = 0
    const listener = await quicTransport.listen({ host: HOST, port: 0 }, (link) => {
      accepted++
      link.onData(() => {})
      link.onClose(() => {})
      link.send(greeting)
      link.end()
    })
    onTeardown(() => listener.close())
    const link = await quicTransport.connect({ host: HOST, port: listener.port, timeoutMs: 3000 })
    const received = readAll(link)
    expect(await until(() => accepted === 1)).toBe(true)
    expect((await received).toString()).toBe(greeting.toString())
  })

  test('carries many concurrent connections without mixing their bytes', async () => {
    const listener = await echoNode()
    const count = 40
    const results = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const link = await quicTransport.connect({ host: HOST, port: listener.port, timeoutMs: 5000 })
        const data = bytes(48 * 1024 + i, 100 + i)
        const echoed = echoBack(link, data)
        return sha256(await echoed) === sha256(data)
      }),
    )
    expect(results.filter(Boolean).length).toBe(count)
    expect(listener.stats().handshakes).toBe(count)
    expect(await until(() => listener.stats().connections === 0)).toBe(true)
  })

  test('end() closes both sides cleanly and the connections go away', async () => {
    let nodeClose: Error | undefined | 'open' = 'open'
    const listener = await quicTransport.listen({ host: HOST, port: 0 }, (link) => {
      link.onData(() => {})
      link.onClose((error) => {
        nodeClose = error
      })
    })
    onTeardown(() => listener.close())
    const link = await quicTransport.connect({ host: HOST, port: listener.port, timeoutMs: 3000 })
    link.send(Buffer.from('bye'))
    const closed = readAll(link)
    link.end()
    expect((await closed).length).toBe(0)
    expect(await until(() => nodeClose !== 'open')).toBe(true)
    expect(nodeClose).toBeUndefined()
    expect(await until(() => listener.stats().connections === 0)).toBe(true)
  })

  test('pins the certificate fingerprint and refuses a wrong one', async () => {
    const listener = await echoNode()
    expect(listener.fingerprint).toMatch(/^[0-9a-f]{64}$/)
    const pinned = await quicTransport.connect({
      host: HOST,
      port: listener.port,
      timeoutMs: 3000,
      fingerprint: listener.fingerprint.toUpperCase().match(/../g)!.join(':'),
    })
    const echoed = echoBack(pinned, Buffer.from('pinned'))
    expect((await echoed).toString()).toBe('pinned')
    const wrong = 'ab'.repeat(32)
    await expect(
      quicTransport.connect({ host: HOST, port: listener.port, timeoutMs: 3000, fingerprint: wrong }),
    ).rejects.toThrow(`expected ${wrong}`)
  })

  test('serves the user’s own key and certificate', async () => {
    const identity = generateCertificate()
    const listener = await echoNode({ key: identity.key, cert: identity.cert })
    expect(listener.fingerprint).toBe(identity.fingerprint)
    const link = await quicTransport.connect({
      host: HOST,
      port: listener.port,
      timeoutMs: 3000,
      fingerprint: identity.fingerprint,
    })
    const echoed = echoBack(link, Buffer.from('own cert'))
    expect((await echoed).toString()).toBe('own cert')
  })

  test('rejects bad options naming the field, leaving nothing open', async () => {
    const before = resources()
    await expect(quicTransport.listen({ host: HOST, port: -1 }, () => {})).rejects.toThrow(
      'port must be an integer from 0 to 65535, got -1',
    )
    await expect(quicTransport.listen({ host: HOST, port: 0, key: 'x' }, () => {})).rejects.toThrow(
      'key and cert must be given together',
    )
    await expect(
      quicTransport.listen({ host: HOST, port: 0, key: 'x', cert: 'nope' }, () => {}),
    ).rejects.toThrow('cert must be a PEM certificate')
    await expect(quicTransport.connect({ host: HOST, port: 4433, timeoutMs: 0 })).rejects.toThrow(
      'timeoutMs must be a positive number of milliseconds, got 0',
    )
    await expect(
      quicTransport.connect({ host: HOST, port: 4433, timeoutMs: 100, fingerprint: 'abc' }),
    ).rejects.toThrow('fingerprint must be a SHA-256 fingerprint')
    await expect(
      quicTransport.connect({ host: HOST, port: 4433, timeoutMs: 100, maxPacketSize: 1000 }),
    ).rejects.toThrow('maxPacketSize must be an integer from 1200 to 20480 bytes, got 1000')
    await expect(
      quicTransport.listen({ host: HOST, port: 0, maxPacketSize: 65_536 }, () => {}),
    ).rejects.toThrow('maxPacketSize must be an integer from 1200 to 20480 bytes, got 65536')
    const taken = await echoNode()
    await expect(quicTransport.listen({ host: HOST, port: taken.port }, () => {})).rejects.toThrow(
      `QUIC cannot bind UDP ${HOST}:${taken.port}`,
    )
    await taken.close()
    expect(await until(() => (resources().UDPWrap ?? 0) <= (before.UDPWrap ?? 0))).toBe(true)
  })

  test('close() leaves no socket or timer behind', async () => {
    const before = resources()
    let echoed = 0
    const listener = await quicTransport.listen({ host: HOST, port: 0 }, (link) => {
      link.onData((chunk) => {
        link.send(chunk)
        echoed++
      })
      link.onClose(() => {})
    })
    const links: Link[] = []
    for (let i = 0; i < 5; i++)
      links.push(await quicTransport.connect({ host: HOST, port: listener.port, timeoutMs: 3000 }))
    const closes = links.map((link) => readAll(link).catch((error: Error) => error))
    for (const link of links) link.send(Buffer.from('x'))
    // Close once every link has reached the node and been answered, however busy the machine.
    expect(await until(() => echoed === 5)).toBe(true)
    await listener.close()
    const outcomes = await Promise.all(closes)
    expect(outcomes.map((o) => (Buffer.isBuffer(o) ? o.toString() : String(o)))).toEqual(links.map(() => 'x'))
    const settled = () => {
      const now = resources()
      // <=: handles from the previous test may still have been closing when `before` was taken.
      return (now.UDPWrap ?? 0) <= (before.UDPWrap ?? 0) && (now.Timeout ?? 0) <= (before.Timeout ?? 0)
    }
    const ok = await until(settled)
    const after = resources()
    expect({ ok, before, after }).toMatchObject({ ok: true })
    expect(after.Immediate ?? 0).toBeLessThanOrEqual(before.Immediate ?? 0)
  })

  test('kill() drops links without a CONNECTION_CLOSE, and the port can be listened on again', async () => {
    let nodeError: Error | undefined
    let nodeGotData = false
    const listener = await quicTransport.listen({ host: HOST, port: 0 }, (link) => {
      link.onData(() => {
        nodeGotData = true
      })
      link.onClose((error) => {
        nodeError = error
      })
    })
    const port = listener.port
    const link = await quicTransport.connect({ host: HOST, port, timeoutMs: 3000, idleTimeoutMs: 600 })
    let clientClosedAt = 0
    let clientError: Error | undefined
    link.onData(() => {})
    link.onClose((error) => {
      clientClosedAt = Date.now()
      clientError = error
    })
    link.send(Buffer.from('before the crash'))
    // Kill only once the node holds the link, so there is a link for kill() to drop.
    expect(await until(() => nodeGotData && listener.stats().handshakes === 1)).toBe(true)
    await sleep(20)
    const packetsOut = listener.stats().packetsOut
    const killedAt = Date.now()
    await listener.kill()
    expect(nodeError?.message).toMatch(/killed/)
    expect(listener.stats().packetsOut).toBe(packetsOut)
    // No goodbye went out: the client notices when its next packet (a retransmission or a
    // keep-alive PING) meets the closed port, or at its idle timeout at the latest; either way
    // the link ends as a reset naming the node, as a TCP link to a crashed node would.
    expect(await until(() => clientClosedAt > 0, 5000)).toBe(true)
    expect(clientClosedAt).toBeGreaterThanOrEqual(killedAt)
    expect(clientError).toBeInstanceOf(RunError)
    expect((clientError as RunError).kind).toBe('reset')
    expect(clientError?.message).toContain(`${HOST}:${port}`)

    const again = await quicTransport.listen({ host: HOST, port }, (l) => {
      l.onData((chunk) => l.send(chunk))
      l.onClose(() => {})
    })
    onTeardown(() => again.close())
    expect(again.port).toBe(port)
    const relink = await quicTransport.connect({ host: HOST, port, timeoutMs: 3000 })
    const echoed = echoBack(relink, Buffer.from('after restart'))
    expect((await echoed).toString()).toBe('after restart')
  })

  test('connecting to a dead node fails within timeoutMs', async () => {
    // Nothing on the port: the connected client socket hears ICMP port unreachable.
    const port = await freeUdpPort()
    let started = Date.now()
    await expect(quicTransport.connect({ host: HOST, port, timeoutMs: 800 })).rejects.toThrow(
      /refused|timed out/,
    )
    expect(Date.now() - started).toBeLessThan(800 + 500)
    // A node that swallows every datagram (a hung process): only the timeout can tell.
    const hole = dgram.createSocket('udp4')
    await new Promise<void>((resolve) => hole.bind(0, HOST, () => resolve()))
    onTeardown(() => new Promise<void>((resolve) => hole.close(() => resolve())))
    started = Date.now()
    await expect(
      quicTransport.connect({ host: HOST, port: hole.address().port, timeoutMs: 300 }),
    ).rejects.toThrow('timed out after 300 ms')
    expect(Date.now() - started).toBeLessThan(300 + 500)
    expect(await until(() => (resources().UDPWrap ?? 0) === 1)).toBe(true)
  })

  test('close() tells clients whose links it cuts short, instead of leaving them to time out', async () => {
    const listener = await quicTransport.listen({ host: HOST, port: 0, closeGraceMs: 1 }, (link) => {
      // The node never ends its side, so close() has to cut the link with a CONNECTION_CLOSE.
      link.onData(() => {})
      link.onClose(() => {})
    })
    onTeardown(() => listener.close())
    const link = await quicTransport.connect({ host: HOST, port: listener.port, timeoutMs: 3000 })
    let clientClosed = false
    link.onData(() => {})
    link.onClose(() => {
      clientClosed = true
    })
    link.send(Buffer.from('x'))
    expect(await until(() => listener.stats().bytesIn > 0 && listener.stats().connections === 1)).toBe(true)
    await listener.close()
    // Well within the 30 s idle timeout a client would otherwise wait.
    expect(await until(() => clientClosed, 5000)).toBe(true)
  })

  test('destroy() ends the link at once on both sides', async () => {
    let nodeClosed = false
    let nodeGotData = false
    const listener = await quicTransport.listen({ host: HOST, port: 0 }, (link) => {
      link.onData(() => {
        nodeGotData = true
      })
      link.onClose(() => {
        nodeClosed = true
      })
    })
    onTeardown(() => listener.close())
    const link = await quicTransport.connect({ host: HOST, port: listener.port, timeoutMs: 3000 })
    link.send(Buffer.from('x'))
    // Destroy only once the node holds the link: a connection closed before its link surfaced
    // never hands the node a link to close.
    expect(await until(() => nodeGotData && listener.stats().connections === 1)).toBe(true)
    await sleep(20)
    let clientClosed = false
    link.onClose(() => {
      clientClosed = true
    })
    link.destroy()
    expect(await until(() => clientClosed && nodeClosed, 5000)).toBe(true)
    expect(await until(() => listener.stats().connections === 0)).toBe(true)
  })
})
