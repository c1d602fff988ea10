import dgram from 'node:dgram'
import type { MessagePort } from 'node:worker_threads'
import { packetTemplate, stampPacket } from './packet.js'
import type { GeneratorData, ToWorker } from './protocol.js'

// The pacing tick: timers fire about every millisecond, each sending what is due by then.
const TICK_MS = 1
// At most this much time's worth of packets per tick, so a thread that fell behind sends at the
// rate it can (reported as the achieved rate, as the seed's 733k of 1M) rather than in huge bursts.
const MAX_BURST_MS = 10

/** The generator thread: sends `total` packets at `pps` to the first hop, then reports what it sent. */
export function runGenerator(data: GeneratorData, port: MessagePort): void {
  const socket = dgram.createSocket('udp4')
  const { packet: template, payloadCrc } = packetTemplate(data.packetSize)
  let sent = 0
  let sendErrors = 0
  let timer: NodeJS.Timeout | undefined
  // Sends without a callback report failures as 'error' events.
  socket.on('error', () => sendErrors++)
  const maxBurst = Math.max(1, Math.ceil((data.pps * MAX_BURST_MS) / 1000))
  let started = 0
  let behind = 0

  const finish = () => {
    // Datagrams leave in order, so the last send's callback means every earlier one is done too.
    const last = Buffer.from(template)
    stampPacket(last, sent, payloadCrc)
    socket.send(last, (error) => {
      if (error) sendErrors++
      sent++
      port.postMessage({
        type: 'done',
        result: { generated: sent - sendErrors, sendErrors, elapsedMs: performance.now() - started },
      })
    })
  }

  const tick = () => {
    const elapsed = performance.now() - started
    const due = Math.min(data.total - 1, Math.floor((elapsed * data.pps) / 1000) - behind)
    let burst = due - sent
    if (burst > maxBurst) {
      behind += burst - maxBurst
      burst = maxBurst
    }
    for (let i = 0; i < burst; i++) {
      const packet = Buffer.from(template)
      stampPacket(packet, sent, payloadCrc)
      socket.send(packet)
      sent++
    }
    if (sent >= data.total - 1) finish()
    else timer = setTimeout(tick, TICK_MS)
  }

  port.on('message', (message: ToWorker) => {
    if (message.type === 'start') {
      started = performance.now()
      tick()
    } else if (message.type === 'close') {
      clearTimeout(timer)
      socket.close(() => port.postMessage({ type: 'closed' }))
    }
  })
  socket.bind(0, data.host, () => {
    socket.connect(data.targetPort, data.targetHost, () => {
      port.postMessage({ type: 'ready', port: socket.address().port, recvBufferBytes: 0 })
    })
  })
}
