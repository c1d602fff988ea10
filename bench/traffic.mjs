// `npm run bench -- traffic [--json]`: continuous echo traffic (ctraffic) on loopback. Echo packets
// per second at 1 KiB over 100 connections beside a plain Node echo client loop (also in a worker
// thread) against the same server in the same run; RTT p50 at 1,000 packets/s over 100
// connections; and connections held at a steady rate with the echo server in its own process.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { Worker } from 'node:worker_threads'
import { runTraffic, startEchoServer } from '../dist/index.js'

const PSIZE = 1024
const CONNS = 100
const SECONDS = 5

/** The floor a hand-written script gets: 100 stop-and-wait echo loops in one worker thread. */
async function plainLoop(port) {
  const worker = new Worker(
    `
    const { workerData, parentPort } = require('node:worker_threads')
    const net = require('node:net')
    const { port, conns, psize, ms } = workerData
    let echoes = 0
    let open = conns
    const packet = Buffer.alloc(psize)
    const end = performance.now() + ms
    for (let i = 0; i < conns; i++) {
      const socket = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => socket.write(packet))
      let pending = 0
      socket.on('data', (chunk) => {
        pending += chunk.length
        while (pending >= psize) {
          pending -= psize
          echoes++
          if (performance.now() < end) socket.write(packet)
          else { socket.destroy(); if (--open === 0) parentPort.postMessage(echoes) }
        }
      })
    }`,
    { eval: true, workerData: { port, conns: CONNS, psize: PSIZE, ms: SECONDS * 1000 } },
  )
  const [echoes] = await once(worker, 'message')
  await worker.terminate()
  return echoes / SECONDS
}

/** quicksand's traffic at an unreachable rate: every connection echoes as fast as stop-and-wait allows. */
async function flatOut(server) {
  const cpu = process.cpuUsage()
  const report = await runTraffic({
    target: server,
    nconn: CONNS,
    rate: 1_000_000,
    psize: PSIZE,
    duration: `${SECONDS}s`,
  })
  const used = process.cpuUsage(cpu)
  const seconds = (report.window.endMs - report.window.startMs) / 1000
  const packetsPerSec = report.Received / seconds
  const cores = (used.user + used.system) / 1e6 / (report.Duration / 1e9)
  return { packetsPerSec, cpuPerKpps: cores / (packetsPerSec / 1000) }
}

/** RTT at 1,000 packets/s over 100 connections. */
async function paced(server) {
  const report = await runTraffic({
    target: server,
    nconn: CONNS,
    rate: 1000,
    psize: PSIZE,
    duration: `${SECONDS}s`,
  })
  return { rttP50Us: report.rtt.p50Ms * 1000, rttP99Us: report.rtt.p99Ms * 1000, sent: report.Sent }
}

/** Start `quicksand echo-server` in its own process; resolves with its port and the child. */
async function echoProcess() {
  const child = spawn(
    process.execPath,
    [new URL('../dist/cli/main.js', import.meta.url).pathname, 'echo-server', '-address', '127.0.0.1:0'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  let text = ''
  for await (const chunk of child.stderr) {
    text += chunk
    const match = /listening on 127\.0\.0\.1:(\d+)/.exec(text)
    if (match) return { child, port: Number(match[1]) }
  }
  throw new Error(`echo-server did not start: ${text}`)
}

/** Connections held at a steady rate, the server in its own process; RSS growth per connection. */
async function held(nconn) {
  const { child, port } = await echoProcess()
  const before = process.memoryUsage().rss
  let peak = before
  try {
    const report = await runTraffic(
      // One packet per connection every 5 s: the point is holding them, not moving bytes.
      {
        address: `127.0.0.1:${port}`,
        nconn,
        rate: (nconn * PSIZE) / 5 / 1024,
        psize: PSIZE,
        duration: '15s',
      },
      { onProgress: () => (peak = Math.max(peak, process.memoryUsage().rss)) },
    )
    const lasting = report.ConnStats.filter((c) => c.Err === '' && c.Received > 0).length
    // Held: the most connections up at once (a second's level), each of them echoing.
    const held = Math.max(0, ...report.timeline.map((s) => s.active ?? 0))
    return {
      connectionsHeld: held,
      connectionsEchoed: lasting,
      bytesPerConnection: Math.round((peak - before) / Math.max(1, lasting)),
      heapBytesPerConnection: report.memory.heapBytesPerConnection,
      failedConnects: report.FailedConnects,
      failedConnections: report.FailedConnections,
    }
  } finally {
    child.kill('SIGTERM')
    await once(child, 'exit')
  }
}

export async function run({ json }) {
  const server = await startEchoServer({ name: 'bench' })
  let summary
  try {
    const plainPacketsPerSec = await plainLoop(server.port)
    const { packetsPerSec, cpuPerKpps } = await flatOut(server)
    const { rttP50Us, rttP99Us } = await paced(server)
    await server.close()
    const scale = await held(Number(process.env.TRAFFIC_BENCH_CONNS ?? 10_000))
    summary = {
      ...scale,
      packetsPerSec: Math.round(packetsPerSec),
      plainPacketsPerSec: Math.round(plainPacketsPerSec),
      ratioToPlain: Math.round((packetsPerSec / plainPacketsPerSec) * 100) / 100,
      rttP50Us: Math.round(rttP50Us),
      rttP99Us: Math.round(rttP99Us),
      cpuPerKpps: Math.round(cpuPerKpps * 1000) / 1000,
    }
  } finally {
    await server.close()
  }
  if (!json) {
    console.log(
      `echo packets/s, 1 KiB over ${CONNS} connections: ${summary.packetsPerSec} (plain loop ${summary.plainPacketsPerSec}, ratio ${summary.ratioToPlain})`,
    )
    console.log(
      `RTT at 1,000 packets/s over ${CONNS} connections: p50 ${summary.rttP50Us} µs, p99 ${summary.rttP99Us} µs`,
    )
    console.log(
      `connections held: ${summary.connectionsHeld} (${summary.bytesPerConnection} B RSS, ${summary.heapBytesPerConnection} B JS heap each; failed dials ${summary.failedConnects}, failed connections ${summary.failedConnections})`,
    )
    console.log(`CPU: ${summary.cpuPerKpps} cores per 1,000 packets/s`)
  }
  return summary
}
