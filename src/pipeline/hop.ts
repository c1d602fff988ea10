import dgram from 'node:dgram'
import type { HopCounters } from './config.js'
import { isDamagedPipelinePacket, isPipelinePacket } from './packet.js'
import type { HopData } from './protocol.js'

// How often a slowed egress (delayUs) wakes to send what its budget allows.
const EGRESS_TICK_MS = 1
// A slowed egress saves up at most this much sending time while idle, so it never bursts.
const MAX_CREDIT_MS = 2

/** What a hop offers whoever drives it (a worker thread's port or a child's signals). */
export interface HopControl {
  /** Resolves with the ingress port and receive buffer once both sockets are ready. */
  ready: Promise<{ port: number; recvBufferBytes: number }>
  /** Its counters now. */
  counters(): HopCounters
  /** Close both sockets. */
  close(): Promise<void>
}

/**
 * A relay hop: ingress reads datagrams and hands each to egress; a bounded pool of `bufferPackets`
 * packets (the egress queue plus the sends the kernel has not taken yet) drops a packet as
 * bufExhaust when full, the seed's backpressure. Per packet it does no more than the plain
 * forwarder it is measured against: a few counter increments, one header check and one send with
 * no callback (no copy, no closure, no tick per packet); the pool's sends in flight are libuv's
 * send queue.
 */
export function startHop(data: HopData): HopControl {
  const slots = data.bufferPackets
  const size = data.packetSize
  const paced = data.delayUs > 0
  // A slowed hop's egress queue: a ring of the received buffers, in arrival order.
  const queue: (Buffer | undefined)[] = paced ? new Array(slots) : []
  let head = 0
  let queued = 0
  // Plain numbers, not an object's fields: the cheapest counters V8 has.
  let received = 0
  let matched = 0
  let bufExhaust = 0
  let parseErrors = 0
  let parseLost = 0
  let submitted = 0
  let sendErrors = 0

  const ingress = dgram.createSocket({ type: 'udp4', recvBufferSize: data.recvBufferBytes })
  const egress = dgram.createSocket({ type: 'udp4', sendBufferSize: data.recvBufferBytes })
  // Sends carry no callback (a callback costs a tick per packet): a failed send is reported here,
  // and so is a refusal by the next hop (ICMP), which a send's callback would not see.
  egress.on('error', () => void sendErrors++)
  ingress.on('error', () => undefined)
  let closed = false
  let egressTimer: NodeJS.Timeout | undefined
  let credit = 0
  let lastEgress = 0

  const send = (datagram: Buffer) => {
    submitted++
    egress.send(datagram)
  }
  // Sends the kernel has not taken yet wait in libuv's queue: they are still in the hop's pool.
  const unsent = () => egress.getSendQueueCount()
  const sentNow = () => Math.max(0, submitted - sendErrors - unsent())

  const tick = () => {
    egressTimer = undefined
    if (closed) return
    const now = performance.now()
    credit = Math.min(
      credit + ((now - lastEgress) * 1000) / data.delayUs,
      (MAX_CREDIT_MS * 1000) / data.delayUs + 1,
    )
    lastEgress = now
    while (queued > 0 && credit >= 1) {
      const datagram = queue[head]!
      queue[head] = undefined
      head = (head + 1) % slots
      queued--
      send(datagram)
      credit--
    }
    if (queued > 0) egressTimer = setTimeout(tick, EGRESS_TICK_MS)
  }

  ingress.on('message', (datagram) => {
    received++
    // A pipeline packet of this run has its header and exactly the run's size; anything else
    // (a truncated packet, foreign traffic) is a parse error and is dropped here.
    if (datagram.length !== size || !isPipelinePacket(datagram)) {
      parseErrors++
      if (isDamagedPipelinePacket(datagram, size)) parseLost++
      return
    }
    matched++
    if (!paced) {
      // Sends not completed yet hold their buffers: that is the pool.
      if (unsent() >= slots) bufExhaust++
      else send(datagram)
      return
    }
    if (queued === slots) {
      bufExhaust++
      return
    }
    // Node hands each datagram its own buffer: queueing it is as bounded as copying it to a slot.
    queue[(head + queued) % slots] = datagram
    queued++
    if (egressTimer === undefined) {
      if (queued === 1) lastEgress = performance.now()
      egressTimer = setTimeout(tick, EGRESS_TICK_MS)
    }
  })

  const ready = new Promise<{ port: number; recvBufferBytes: number }>((resolve, reject) => {
    ingress.once('error', reject)
    egress.connect(data.forwardPort, data.forwardHost, () => {
      ingress.bind(data.bindPort, data.host, () => {
        ingress.off('error', reject)
        resolve({ port: ingress.address().port, recvBufferBytes: ingress.getRecvBufferSize() })
      })
    })
  })

  return {
    ready,
    counters() {
      return {
        received,
        matched,
        bufExhaust,
        parseErrors,
        parseLost,
        submitted,
        sent: sentNow(),
        sendErrors,
        bytes: sentNow() * size,
        inPool: queued + unsent(),
      }
    },
    close() {
      closed = true
      clearTimeout(egressTimer)
      const closeSocket = (socket: dgram.Socket) =>
        new Promise<void>((resolve) => {
          try {
            socket.close(() => resolve())
          } catch {
            // Not bound yet, or closed already.
            resolve()
          }
        })
      return Promise.all([closeSocket(ingress), closeSocket(egress)]).then(() => undefined)
    },
  }
}
