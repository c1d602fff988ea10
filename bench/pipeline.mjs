// `npm run bench -- pipeline [--json]`: 1,400-byte UDP packets on loopback. The raw send rate of
// one thread; a plain Node forwarder (recv -> send on a worker thread, no accounting: what a
// hand-written script gets) for one hop and three; and quicksand's pipeline for one hop and
// three, and one hop in its own network namespace where root and iproute2 allow. Each is the
// highest loss-free rate a short upward search finds (1 s per step).
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { runPipeline } from '../dist/index.js'

const SIZE = 1400
const STEP_MS = 1000
// 5k pps steps up to 100k: with 10k steps two close rates could only read as 5/7 or 6/7 of each other.
const RATES = [...Array.from({ length: 20 }, (_, i) => (i + 1) * 5000), 110_000, 120_000, 135_000, 150_000]

/** A thread from source text; it posts its socket's port (or its result) first. */
function thread(source, workerData) {
  return new Worker(
    `const { workerData, parentPort } = require('node:worker_threads'); const dgram = require('node:dgram');\n${source}`,
    {
      eval: true,
      workerData,
    },
  )
}

const SINK = `
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4194304 })
  let received = 0
  socket.on('message', () => received++)
  parentPort.on('message', () => parentPort.postMessage(received))
  socket.bind(0, '127.0.0.1', () => parentPort.postMessage(socket.address().port))`

const FORWARDER = `
  const ingress = dgram.createSocket({ type: 'udp4', recvBufferSize: 4194304 })
  const egress = dgram.createSocket('udp4')
  ingress.on('message', (m) => egress.send(m))
  parentPort.on('message', () => { ingress.close(); egress.close(); parentPort.postMessage('closed') })
  egress.connect(workerData.forward, '127.0.0.1', () => ingress.bind(0, '127.0.0.1', () => parentPort.postMessage(ingress.address().port)))`

// The same pacing as quicksand's generator: what is due every ~1 ms, at most 10 ms' worth at once.
const GENERATOR = `
  const socket = dgram.createSocket('udp4')
  const { pps, total, size, target } = workerData
  const template = Buffer.alloc(size, 7)
  let sent = 0, behind = 0
  const maxBurst = Math.max(1, Math.ceil(pps / 100))
  socket.connect(target, '127.0.0.1', () => {
    const start = performance.now()
    const tick = () => {
      let burst = Math.min(total, Math.floor(((performance.now() - start) * pps) / 1000) - behind) - sent
      if (burst > maxBurst) { behind += burst - maxBurst; burst = maxBurst }
      for (let i = 0; i < burst; i++) { const p = Buffer.from(template); p.writeUInt32BE(sent, 0); socket.send(p); sent++ }
      if (sent < total) setTimeout(tick, 1)
      else socket.send(Buffer.alloc(0), () => { parentPort.postMessage({ sent, ms: performance.now() - start }); socket.close() })
    }
    tick()
  })`

// As fast as one thread can: sends in batches, yielding so completions run.
const RAW = `
  const socket = dgram.createSocket({ type: 'udp4', sendBufferSize: 4194304 })
  const template = Buffer.alloc(workerData.size, 7)
  socket.connect(workerData.target, '127.0.0.1', () => {
    const start = performance.now()
    let sent = 0
    const batch = () => {
      for (let i = 0; i < 64; i++) { socket.send(Buffer.from(template)); sent++ }
      if (performance.now() - start < workerData.ms) setImmediate(batch)
      else socket.send(Buffer.alloc(0), () => { parentPort.postMessage(sent / ((performance.now() - start) / 1000)); socket.close() })
    }
    batch()
  })`

async function rawSend() {
  const sink = thread(SINK)
  const [port] = await once(sink, 'message')
  const sender = thread(RAW, { size: SIZE, target: port, ms: 2000 })
  const [pps] = await once(sender, 'message')
  sink.postMessage('stop')
  await once(sink, 'message')
  await Promise.all([sender.terminate(), sink.terminate()])
  return Math.round(pps)
}

/** One step of the plain chain: true when every packet reached the sink. */
async function plainStep(hops, pps) {
  const sink = thread(SINK)
  const workers = [sink]
  let [next] = await once(sink, 'message')
  for (let i = 0; i < hops; i++) {
    const hop = thread(FORWARDER, { forward: next })
    workers.push(hop)
    ;[next] = await once(hop, 'message')
  }
  const total = Math.round((pps * STEP_MS) / 1000)
  const generator = thread(GENERATOR, { pps, total, size: SIZE, target: next })
  workers.push(generator)
  const [{ sent }] = await once(generator, 'message')
  // Let the last packets through the chain, then read the sink (the empty closing datagram counts).
  let received = -1
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 50))
    sink.postMessage('count')
    const [now] = await once(sink, 'message')
    if (now === received) break
    received = now
  }
  await Promise.all(workers.map((w) => w.terminate()))
  return received >= sent + 1
}

// Namespaced hops need root and iproute2; without them that figure is null.
const NAMESPACES =
  process.getuid?.() === 0 &&
  ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].some((p) => existsSync(p))

async function pipelineStep(hops, pps, unexplained, namespaces = false) {
  const report = await runPipeline({
    hops,
    pps,
    count: Math.round((pps * STEP_MS) / 1000),
    packetSize: SIZE,
    namespaces,
  })
  unexplained.push(report.accounting.unexplainedLoss)
  return report.sink.delivered === report.generator.generated
}

/** The highest rate of RATES at which `step` lost nothing (two tries per rate). */
async function search(step) {
  let best = 0
  for (const pps of RATES) {
    if (!(await step(pps)) && !(await step(pps))) break
    best = pps
  }
  return best
}

export async function run({ json }) {
  const unexplained = []
  const rawSendPps = await rawSend()
  const plainOneHopPps = await search((pps) => plainStep(1, pps))
  const oneHopPps = await search((pps) => pipelineStep(1, pps, unexplained))
  const plainThreeHopPps = await search((pps) => plainStep(3, pps))
  const threeHopPps = await search((pps) => pipelineStep(3, pps, unexplained))
  // Each hop a child process in its own namespace, over veth pairs (the seed's setup).
  const namespacesOneHopPps = NAMESPACES
    ? await search((pps) => pipelineStep(1, pps, unexplained, true))
    : null
  const summary = {
    packetSize: SIZE,
    rawSendPps,
    plainOneHopPps,
    oneHopPps,
    plainThreeHopPps,
    threeHopPps,
    namespacesOneHopPps,
    oneHopRatio: plainOneHopPps > 0 ? Number((oneHopPps / plainOneHopPps).toFixed(2)) : null,
    threeHopRatio: plainThreeHopPps > 0 ? Number((threeHopPps / plainThreeHopPps).toFixed(2)) : null,
    unexplainedLoss: unexplained.reduce((max, n) => Math.max(max, Math.abs(n)), 0),
    pipelineRuns: unexplained.length,
  }
  if (!json) {
    console.log(`raw send, one thread:      ${rawSendPps} pps`)
    console.log(`plain forwarder, 1 hop:    ${plainOneHopPps} pps loss-free`)
    console.log(`quicksand pipeline, 1 hop: ${oneHopPps} pps loss-free (${summary.oneHopRatio}x plain)`)
    console.log(`plain forwarder, 3 hops:   ${plainThreeHopPps} pps loss-free`)
    console.log(`quicksand pipeline, 3 hops: ${threeHopPps} pps loss-free (${summary.threeHopRatio}x plain)`)
    console.log(
      `quicksand, 1 hop in a namespace: ${namespacesOneHopPps ?? 'skipped (needs root and ip)'} pps loss-free`,
    )
    console.log(
      `largest |unexplainedLoss| over ${unexplained.length} pipeline runs: ${summary.unexplainedLoss}`,
    )
  }
  return summary
}
