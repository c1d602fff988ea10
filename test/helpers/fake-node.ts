import { crc32 } from 'node:zlib'
import { FrameDecoder } from '../../src/protocol/codec.js'
import { encodeFrame, type Frame, FrameType } from '../../src/protocol/frames.js'
import { foldChecksum } from '../../src/protocol/payload.js'
import { startTcpServer, type TestServer } from './tcp.js'

/** How a misbehaving node answers a frame: the frames to send back (none to stay silent). */
export type Answer = (frame: Frame) => Frame[]

/** A TCP server speaking just enough of the fabric protocol to misbehave on purpose. */
export function startFakeNode(answer: Answer): Promise<TestServer> {
  return startTcpServer((socket) => {
    const decoder = new FrameDecoder(1024 * 1024)
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        for (const reply of answer(frame)) socket.write(encodeFrame(reply))
      }
    })
  })
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
