import dgram from 'node:dgram'
import type { MessagePort } from 'node:worker_threads'
import type { HopCounters } from './config.js'
import { isPipelinePacket } from './packet.js'
import type { HopData, ToWorker } from './protocol.js'

// How often a slowed egress (delayUs) wakes to send what its budget allows.
const EGRESS_TICK_MS = 1
// A slowed egress saves up at most this much sending time while idle, so it never bursts.
const MAX_CREDIT_MS = 2

/**
 * A relay hop: ingress reads datagrams into a bounded pool of packet buffers (a full pool drops
 * the packet as bufExhaust, the seed's backpressure), egress sends them on in order and frees a
 * buffer when its send completes, as the seed reaped its completions.
 */
export function runHop(data: HopData, port: MessagePort): void {
  const slotBytes = data.packetSize
  const slots = data.bufferPackets
  // One allocation holds every slot: the pool is bounded memory, as the seed's was.
  const pool = Buffer.allocUnsafeSlow(slots * slotBytes)
  const free = new Int32Array(slots)
  for (let i = 0; i < slots; i++) free[i] = slots - 1 - i
  let freeTop = slots
  // The egress queue: a ring of slot numbers in arrival order.
  const queue = new Int32Array(slots)
  let head = 0
  let queued = 0

  const counters: HopCounters = {
    received: 0,
    matched: 0,
    bufExhaust: 0,
    parseErrors: 0,
    parseLost: 0,
    submitted: 0,
    sent: 0,
    sendErrors: 0,
    bytes: 0,
    inPool: 0,
  }
  const ingress = dgram.createSocket({ type: 'udp4', recvBufferSize: data.recvBufferBytes })
  const egress = dgram.createSocket({ type: 'udp4', sendBufferSize: data.recvBufferBytes })
  // A refused send (ECONNREFUSED from an ICMP of an earlier datagram) is a send error, never a crash.
  egress.on('error', () => counters.sendErrors++)
  let closed = false
  let drainScheduled = false
  let egressTimer: NodeJS.Timeout | undefined
  let credit = 0
  let lastEgress = 0

  const sendSlot = (slot: number) => {
    const length = slotBytes
    const at = slot * slotBytes
    counters.submitted++
    egress.send(pool.subarray(at, at + length), (error) => {
      if (error) counters.sendErrors++
      else {
        counters.sent++
        counters.bytes += length
      }
      free[freeTop++] = slot
    })
  }

  const next = (): number => {
    const slot = queue[head]!
    head = (head + 1) % slots
    queued--
    return slot
  }

  const drain = () => {
    drainScheduled = false
    while (queued > 0 && !closed) sendSlot(next())
  }

  const paced = () => {
    egressTimer = undefined
    if (closed) return
    const now = performance.now()
    credit = Math.min(
      credit + ((now - lastEgress) * 1000) / data.delayUs,
      (MAX_CREDIT_MS * 1000) / data.delayUs + 1,
    )
    lastEgress = now
    while (queued > 0 && credit >= 1) {
      sendSlot(next())
      credit--
    }
    if (queued > 0) egressTimer = setTimeout(paced, EGRESS_TICK_MS)
  }

  const scheduleEgress = () => {
    if (data.delayUs === 0) {
      if (!drainScheduled) {
        drainScheduled = true
        // After this poll phase's datagrams are read, so a burst goes out as a batch.
        setImmediate(drain)
      }
    } else if (egressTimer === undefined) {
      if (queued === 1) lastEgress = performance.now()
      egressTimer = setTimeout(paced, EGRESS_TICK_MS)
    }
  }

  ingress.on('message', (datagram) => {
    counters.received++
    // A pipeline packet of this run has its header and exactly the run's size; anything else
    // (a truncated packet, foreign traffic) is a parse error and is dropped here.
    if (datagram.length !== slotBytes || !isPipelinePacket(datagram)) {
      counters.parseErrors++
      if (datagram.length === slotBytes) counters.parseLost++
      return
    }
    counters.matched++
    if (freeTop === 0) {
      counters.bufExhaust++
      return
    }
    const slot = free[--freeTop]!
    datagram.copy(pool, slot * slotBytes)
    queue[(head + queued) % slots] = slot
    queued++
    scheduleEgress()
  })
  ingress.on('error', () => undefined)

  port.on('message', (message: ToWorker) => {
    if (message.type === 'stats') {
      counters.inPool = slots - freeTop
      port.postMessage({ type: 'stats', counters })
    } else if (message.type === 'close') {
      closed = true
      clearTimeout(egressTimer)
      let open = 2
      const done = () => {
        if (--open === 0) port.postMessage({ type: 'closed' })
      }
      ingress.close(done)
      egress.close(done)
    }
  })

  egress.connect(data.forwardPort, data.forwardHost, () => {
    ingress.bind(0, data.host, () => {
      port.postMessage({
        type: 'ready',
        port: ingress.address().port,
        recvBufferBytes: ingress.getRecvBufferSize(),
      })
    })
  })
}
