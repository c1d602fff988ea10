import net from 'node:net'
import { crc32 } from 'node:zlib'
import { FrameDecoder } from '../../src/protocol/codec.js'
import { encodeFrame, type Frame, FrameType } from '../../src/protocol/frames.js'
import { foldChecksum } from '../../src/protocol/payload.js'

/** How a misbehaving node answers a frame: the frames to send back (none to stay silent). */
export type Answer = (frame: Frame) => Frame[]

/** A TCP server speaking just enough of the fabric protocol to misbehave on purpose. */
export async function startFakeNode(answer: Answer): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
    const decoder = new FrameDecoder(1024 * 1024)
    socket.on('data', (chunk) => {
      for (const frame of decoder.push(chunk)) {
        for (const reply of answer(frame)) socket.write(encodeFrame(reply))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  return {
    url: `tcp://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/** A well-behaved answer with one field bent by `bend`. */
export function honest(bend: (reply: Frame) => Frame = (f) => f): Answer {
  const totals = new Map<number, { bytes: number; sum: number }>()
  return (frame) => {
    switch (frame.type) {
      case FrameType.OPEN:
        totals.set(frame.channel, { bytes: 0, sum: 0 })
        return [bend({ type: FrameType.ACK, channel: frame.channel, sequence: 0, checksum: 0 })]
      case FrameType.DATA: {
        const t = totals.get(frame.channel) ?? { bytes: 0, sum: 0 }
        const checksum = crc32(frame.payload)
        totals.set(frame.channel, {
          bytes: t.bytes + frame.payload.length,
          sum: foldChecksum(t.sum, checksum),
        })
        return [bend({ type: FrameType.ACK, channel: frame.channel, sequence: frame.sequence, checksum })]
      }
      case FrameType.CLOSE: {
        const t = totals.get(frame.channel) ?? { bytes: 0, sum: 0 }
        return [
          bend({ type: FrameType.CLOSE_ACK, channel: frame.channel, totalBytes: t.bytes, checksum: t.sum }),
        ]
      }
      default:
        return []
    }
  }
}
