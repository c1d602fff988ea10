// `npm run bench -- tcp [--json]`: the fabric over TCP against a raw node:net pipe of the same
// bytes, channel churn, and loopback ACK latency. The client side runs in a worker thread in
// both the raw and the fabric case, as the load runner does.
import { once } from 'node:events'
import net from 'node:net'
import { Worker } from 'node:worker_threads'
import { runLoad, startNode } from '../dist/index.js'

const TOTAL = 256 * 1024 * 1024
const FRAME = 64 * 1024
const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000)

/** Raw pipe: a worker writes TOTAL bytes of stream 0's payload in FRAME-sized writes to a sink here. */
async function raw() {
  let received = 0
  let done
  const finished = new Promise((resolve) => {
    done = resolve
  })
  const server = net.createServer((socket) => {
    socket.on('data', (chunk) => {
      received += chunk.length
      if (received >= TOTAL) done()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address()
  const payloadUrl = new URL('../dist/protocol/payload.js', import.meta.url).href
  const worker = new Worker(
    `
    const { workerData, parentPort } = require('node:worker_threads')
    const net = require('node:net')
    import(workerData.payloadUrl).then(({ streamPayload }) => {
      const socket = net.connect({ port: workerData.port, host: '127.0.0.1', noDelay: true }, () => {
        let offset = 0
        const pump = () => {
          while (offset < workerData.total) {
            const chunk = streamPayload(0, offset, workerData.frame)
            offset += chunk.length
            if (!socket.write(chunk)) return socket.once('drain', pump)
          }
          socket.end()
        }
        parentPort.postMessage('start')
        pump()
      })
    })`,
    { eval: true, workerData: { port, total: TOTAL, frame: FRAME, payloadUrl } },
  )
  await once(worker, 'message')
  const started = performance.now()
  await finished
  const ms = performance.now() - started
  await worker.terminate()
  server.close()
  return mbps(TOTAL, ms)
}

async function fabric(node, inflightFrames) {
  const report = await runLoad({
    targets: [node],
    streams: 1,
    concurrency: 1,
    bytesPerStream: TOTAL,
    payloadSize: FRAME,
    inflightFrames,
  })
  if (report.verdict !== 'pass') throw new Error(`fabric run failed: ${report.verdictReasons.join(', ')}`)
  return report.throughputBps / 8 / 1e6
}

/** Runs `body` with a fresh TCP node and stops it afterwards. */
async function withNode(body) {
  const node = await startNode({ transport: 'tcp' })
  try {
    return await body(node)
  } finally {
    await node.stop()
  }
}

const ROUNDS = 5
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]

export async function run() {
  // Raw and fabric alternate and the medians are compared: the two cores are shared, and a
  // burst of other work would otherwise decide the ratio.
  const raws = []
  const fabrics = []
  for (let round = 0; round < ROUNDS; round++) {
    raws.push(await raw())
    fabrics.push(await withNode((node) => fabric(node, 16)))
  }
  const rawMBps = median(raws)
  const fabricMBps = median(fabrics)
  const list = (values) => values.map((v) => v.toFixed(0)).join(', ')
  console.log(
    `raw node:net pipe, 256 MiB in 64 KiB writes: ${rawMBps.toFixed(1)} MB/s (median of ${list(raws)})`,
  )
  console.log(
    `fabric, inflightFrames 16: ${fabricMBps.toFixed(1)} MB/s (median of ${list(fabrics)}), ${(fabricMBps / rawMBps).toFixed(2)} x raw`,
  )
  const stopAndWaitMBps = await withNode((node) => fabric(node, 1))
  console.log(
    `fabric, stop-and-wait:      ${stopAndWaitMBps.toFixed(1)} MB/s  (${(stopAndWaitMBps / rawMBps).toFixed(2)} x raw)`,
  )
  const churn = await withNode((node) =>
    runLoad({ targets: [node], streams: 5000, concurrency: 64, bytesPerStream: 1024, payloadSize: 1024 }),
  )
  console.log(
    `churn, 5,000 channels of 1 KiB at concurrency 64: ${churn.channelChurnPerSec} channels/s (${churn.verdict})`,
  )
  const acks = await withNode((node) =>
    runLoad({ targets: [node], streams: 4, concurrency: 1, bytesPerStream: 2048 * 1024, payloadSize: 1024 }),
  )
  const us = (ms) => Math.round(ms * 1000)
  console.log(
    `loopback ACK round trip (stop-and-wait, 1 KiB frames, ${acks.acksReceived} ACKs): p50 ${us(acks.ackP50Ms)} µs, p95 ${us(acks.ackP95Ms)} µs, p99 ${us(acks.ackP99Ms)} µs`,
  )
  return {
    fabricMBps: round(fabricMBps),
    stopAndWaitMBps: round(stopAndWaitMBps),
    rawMBps: round(rawMBps),
    ratio: round(fabricMBps / rawMBps, 3),
    churnPerSec: churn.channelChurnPerSec,
    ackP50Us: us(acks.ackP50Ms),
    ackP95Us: us(acks.ackP95Ms),
    ackP99Us: us(acks.ackP99Ms),
  }
}

function round(value, digits = 1) {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
