import dgram from 'node:dgram'
import type { MessagePort } from 'node:worker_threads'
import { isDamagedPipelinePacket, isPipelinePacket, templateChecker } from './packet.js'
import type { SinkCounters, SinkData, ToWorker } from './protocol.js'

/** A growable bitmap of the sequence numbers seen. */
class SeenSet {
  private bits: Uint8Array
  constructor(expected: number) {
    this.bits = new Uint8Array(Math.ceil(Math.max(expected, 1024) / 8))
  }
  /** Mark `seq`; false when it was marked already. */
  add(seq: number): boolean {
    const byte = seq >>> 3
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.bits.length * 2))
      grown.set(this.bits)
      this.bits = grown
    }
    const mask = 1 << (seq & 7)
    if ((this.bits[byte]! & mask) !== 0) return false
    this.bits[byte]! |= mask
    return true
  }
}

/** The sink: counts each packet as delivered, duplicated, reordered or corrupted. */
export function runSink(data: SinkData, port: MessagePort): void {
  const counters: SinkCounters = {
    received: 0,
    delivered: 0,
    duplicated: 0,
    reordered: 0,
    corrupted: 0,
    parseErrors: 0,
    parseLost: 0,
  }
  const seen = new SeenSet(data.expected)
  const checksumMatches = templateChecker(data.packetSize)
  let highest = -1
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: data.recvBufferBytes })
  // A bind that fails (a fixed port taken) is reported at once, not left to the start timeout.
  const bindFailed = (error: Error) => {
    port.postMessage({
      type: 'failed',
      message: `the sink cannot bind ${data.host}:${data.bindPort}: ${error.message}`,
    })
    socket.close()
  }
  socket.once('error', bindFailed)
  socket.on('message', (datagram) => {
    counters.received++
    if (!isPipelinePacket(datagram)) {
      counters.parseErrors++
      if (isDamagedPipelinePacket(datagram, data.packetSize)) counters.parseLost++
      return
    }
    // A wrong length is a damaged packet too: the seed's egress once sent its whole buffer.
    if (datagram.length !== data.packetSize || !checksumMatches(datagram)) {
      counters.corrupted++
      return
    }
    const seq = datagram.readUInt32BE(4)
    if (!seen.add(seq)) {
      counters.duplicated++
      return
    }
    counters.delivered++
    if (seq < highest) counters.reordered++
    else highest = seq
  })
  port.on('message', (message: ToWorker) => {
    if (message.type === 'stats') port.postMessage({ type: 'stats', counters })
    else if (message.type === 'close') socket.close(() => port.postMessage({ type: 'closed' }))
  })
  socket.bind(data.bindPort, data.host, () => {
    socket.off('error', bindFailed)
    socket.on('error', () => undefined)
    port.postMessage({
      type: 'ready',
      port: socket.address().port,
      recvBufferBytes: socket.getRecvBufferSize(),
    })
  })
}
