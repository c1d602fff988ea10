import { afterEach, describe, expect, test } from 'vitest'
import { closeClients, connectQuic, listenQuic, type QuicListener } from '../../src/transport/quic/index.js'
import type { QuicStream } from '../../src/transport/quic/stream.js'
import { closeTracked, track } from '../helpers/cleanup.js'
import { sha256 } from '../helpers/digest.js'
import { sleep, until } from '../helpers/wait.js'
import { bytes, echoBack, readAll } from './helpers.js'

const HOST = '127.0.0.1'

afterEach(async () => {
  await closeClients()
  await closeTracked()
})

async function node(onStream: (stream: QuicStream) => void): Promise<QuicListener> {
  const listener = await listenQuic({ host: HOST, port: 0 }, (conn) => conn.onStream(onStream))
  return track(listener)
}

describe('quic streams on one connection', () => {
  test('many concurrent streams each echo their own bytes', async () => {
    const listener = await node((stream) => stream.onData((chunk) => stream.send(chunk)))
    const conn = await connectQuic({ host: HOST, port: listener.port, timeoutMs: 3000 })
    const count = 300
    const ok = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const stream = conn.openStream()
        const data = bytes(4096 + i * 7, 1000 + i)
        const echoed = echoBack(stream, data)
        return sha256(await echoed) === sha256(data)
      }),
    )
    expect(ok.filter(Boolean).length).toBe(count)
    expect(conn.streamCount).toBe(0)
  })

  test('opens more streams than the peer allows at once, waiting for stream credit', async () => {
    let served = 0
    const listener = await node((stream) => {
      stream.onData(() => {})
      stream.onClose((error) => {
        if (!error) served++
      })
    })
    const conn = await connectQuic({ host: HOST, port: listener.port, timeoutMs: 3000 })
    const count = 2500 // the node grants 1024 concurrent streams
    const payload = Buffer.alloc(1024, 1)
    const ids = await Promise.all(
      Array.from(
        { length: count },
        () =>
          new Promise<number>((resolve, reject) => {
            const stream = conn.openStream()
            stream.onClose((error) => (error ? reject(error) : resolve(stream.id)))
            stream.send(payload)
            stream.end()
          }),
      ),
    )
    expect(new Set(ids).size).toBe(count)
    expect(Math.max(...ids)).toBe((count - 1) * 4)
    expect(await until(() => served === count)).toBe(true)
  })

  test('streams queued past the connection window all finish intact', async () => {
    // 320 streams x 128 KiB exceed the 32 MiB connection window, so most writers wait in the
    // blocked queue and are resumed turn by turn as the window and congestion window open.
    const digests = new Map<number, string>()
    const listener = await node((stream) => {
      readAll(stream).then(
        (data) => digests.set(stream.id, sha256(data)),
        () => {},
      )
    })
    const conn = await connectQuic({ host: HOST, port: listener.port, timeoutMs: 3000 })
    const count = 320
    const sent = new Map<number, string>()
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const stream = conn.openStream()
        const data = bytes(128 * 1024 + i, 7000 + i)
        const closed = echoBack(stream, data)
        await closed
        sent.set(stream.id, sha256(data))
      }),
    )
    expect(await until(() => digests.size === count)).toBe(true)
    expect(sent.size).toBe(count)
    for (const [id, digest] of sent) expect(digests.get(id)).toBe(digest)
    expect(conn.streamCount).toBe(0)
  })

  test('backpressure both ways: a paused reader stops the writer until it resumes', async () => {
    let nodeStream: QuicStream | undefined
    let received = 0
    const listener = await node((stream) => {
      nodeStream = stream
      stream.pause()
      stream.onData((chunk) => {
        received += chunk.length
      })
    })
    const conn = await connectQuic({ host: HOST, port: listener.port, timeoutMs: 3000 })
    const stream = conn.openStream()
    const chunk = Buffer.alloc(64 * 1024, 2)
    const total = 48 * 1024 * 1024
    let accepted = 0
    // The writer keeps going whenever it is told to, as a well-behaved producer does.
    const fill = () => {
      while (accepted < total) {
        accepted += chunk.length
        if (!stream.send(chunk)) return
      }
      stream.end()
    }
    stream.onDrain(fill)
    fill()
    expect(await until(() => nodeStream !== undefined)).toBe(true)
    // Held back only by the paused reader: the writer stalls once the 16 MiB stream credit and
    // the 1 MiB send queue are full, far short of the 48 MiB it wants to send; the credit is
    // granted up front, so it gets at least the 16 MiB before stalling.
    let seen = -1
    for (let round = 0; round < 40 && accepted !== seen; round++) {
      seen = accepted
      await sleep(250)
    }
    expect(accepted).toBe(seen)
    expect(accepted).toBeGreaterThanOrEqual(16 * 1024 * 1024)
    expect(accepted).toBeLessThan(20 * 1024 * 1024)
    expect(received).toBe(0)
    nodeStream!.resume()
    expect(await until(() => received === total, 10_000)).toBe(true)
    expect(accepted).toBe(total)
  })

  test('a stream reset by the peer fails with an error, the connection lives on', async () => {
    const listener = await node((stream) => {
      stream.onData(() => stream.destroy())
    })
    const conn = await connectQuic({ host: HOST, port: listener.port, timeoutMs: 3000 })
    const doomed = conn.openStream()
    const failed = readAll(doomed)
    doomed.send(Buffer.from('reset me'))
    await expect(failed).rejects.toThrow(/stream 0/)
    expect(conn.closed).toBe(false)
  })
})
