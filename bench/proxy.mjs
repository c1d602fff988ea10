// Proxy benchmarks: bandwidth and latency accuracy, clean-path throughput against socat, added latency,
// and how many connections one clean proxy holds. `npm run bench -- proxy [--json]`.
// Throughput and connection runs put sender, proxy and sink in separate processes (node -e children), so
// the proxy's process is measured alone, as socat is.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import net from 'node:net'
import { performance } from 'node:perf_hooks'
import { createProxy } from '../dist/proxy/index.js'

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB
const THROUGHPUT_ROUNDS = 5
const PROXY_MODULE = new URL('../dist/proxy/index.js', import.meta.url).href

// ---------- child processes ----------

/** A sink: counts bytes of one connection; reports { bytes, ms } from the first to the last byte. */
const SINK = `
import net from 'node:net'
const expected = Number(process.argv[1])
const server = net.createServer((socket) => {
  let bytes = 0, first = 0
  socket.on('data', (chunk) => {
    if (bytes === 0) first = performance.now()
    bytes += chunk.length
    if (bytes >= expected) {
      process.send({ bytes, ms: performance.now() - first })
      socket.destroy()
    }
  })
  socket.on('error', () => {})
})
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }))
process.on('disconnect', () => process.exit(0))
`

/** An echo server: writes every byte back on the connection it came from; reports { port }. */
const ECHO = `
import net from 'node:net'
const server = net.createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => {})
  socket.pipe(socket)
})
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }))
process.on('disconnect', () => process.exit(0))
`

/** A sender: connects (retrying while the relay starts) and writes `bytes` as fast as the socket takes them. */
const SENDER = `
import net from 'node:net'
const port = Number(process.argv[1]), total = Number(process.argv[2])
const chunk = Buffer.alloc(256 * 1024, 7)
function attempt(tries) {
  const socket = net.connect({ host: '127.0.0.1', port })
  socket.once('error', (err) => {
    if (err.code === 'ECONNREFUSED' && tries > 0) setTimeout(() => attempt(tries - 1), 20)
    else { console.error(err.message); process.exit(1) }
  })
  socket.once('connect', () => {
    let sent = 0
    const pump = () => {
      while (sent < total) {
        sent += chunk.length
        if (!socket.write(chunk)) return socket.once('drain', pump)
      }
      socket.end()
    }
    pump()
  })
}
attempt(250)
process.on('disconnect', () => process.exit(0))
`

/** quicksand's proxy alone in a process: reports { port }; answers 'stats' with { rss, stats }. */
const PROXY = `
import { createProxy } from '${PROXY_MODULE}'
const { target, impairments } = JSON.parse(process.argv[1])
const proxy = await createProxy({ protocol: 'tcp', target, listen: '127.0.0.1:0', impairments, maxRecords: 0 })
process.on('message', (msg) => {
  if (msg === 'stats') {
    globalThis.gc?.()
    const s = proxy.stats()
    process.send({ rss: process.memoryUsage().rss, activeConn: s.activeConn, connAccepted: s.connAccepted })
  }
})
process.send({ port: proxy.port })
process.on('disconnect', () => proxy.close().then(() => process.exit(0)))
`

/** A target that accepts and holds connections; answers 'count' with how many are open. */
const HOLD_TARGET = `
import net from 'node:net'
let open = 0
const server = net.createServer((socket) => {
  open++
  socket.on('error', () => {})
  socket.on('close', () => open--)
})
server.maxConnections = 1e6
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => process.send({ port: server.address().port }))
process.on('message', (msg) => { if (msg === 'count') process.send({ open }) })
process.on('disconnect', () => process.exit(0))
`

/** Clients: open up to N connections to a port, a batch at a time; report how many are open. */
const HOLD_CLIENTS = `
import net from 'node:net'
const port = Number(process.argv[1]), wanted = Number(process.argv[2])
const sockets = []
let failed = 0, firstError
function open() {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    socket.once('connect', () => { sockets.push(socket); socket.on('error', () => {}); resolve() })
    socket.once('error', (err) => { failed++; firstError ??= err.code ?? err.message; resolve() })
  })
}
for (let done = 0; done < wanted && failed < 50; ) {
  const batch = Math.min(200, wanted - done)
  await Promise.all(Array.from({ length: batch }, open))
  done += batch
}
// Let the proxy finish dialling before anyone counts.
await new Promise((r) => setTimeout(r, 500))
const alive = sockets.filter((s) => !s.destroyed).length
process.send({ opened: sockets.length, alive, failed, firstError })
process.on('disconnect', () => process.exit(0))
`

const children = new Set()

/** Starts a node -e child with an IPC channel and waits for its first message. */
async function child(code, args = [], nodeArgs = []) {
  const proc = spawn(
    process.execPath,
    [...nodeArgs, '--input-type=module', '-e', code, ...args.map(String)],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  )
  children.add(proc)
  proc.once('exit', () => children.delete(proc))
  const first = await nextMessage(proc, 30_000)
  return { proc, first }
}

function nextMessage(proc, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child sent nothing within ${timeoutMs} ms`)), timeoutMs)
    const onExit = (code) => reject(new Error(`child exited with ${code}`))
    proc.once('message', (msg) => {
      clearTimeout(timer)
      proc.off('exit', onExit)
      resolve(msg)
    })
    proc.once('exit', onExit)
  })
}

async function ask(proc, message) {
  const reply = nextMessage(proc, 30_000)
  proc.send(message)
  return reply
}

async function stop(proc) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
  const gone = new Promise((resolve) => proc.once('exit', resolve))
  if (proc.connected) proc.disconnect()
  const timer = setTimeout(() => proc.kill('SIGKILL'), 3000)
  await gone
  clearTimeout(timer)
}

// ---------- in-process helpers ----------

function listen(handler) {
  return new Promise((resolve) => {
    const server = net.createServer(handler)
    server.listen(0, '127.0.0.1', () => resolve(server))
  })
}

function connectTo(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true })
    socket.once('connect', () => resolve(socket))
    socket.once('error', reject)
  })
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

const round = (x, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits

// ---------- bandwidth accuracy ----------

/** Sends `bytes` through a proxy limited to `bitsPerSecond` client -> target; error % of the measured rate. */
async function bandwidthError(bitsPerSecond, bytes) {
  let done
  const finished = new Promise((resolve) => {
    done = resolve
  })
  let received = 0
  const sink = await listen((socket) => {
    socket.on('data', (chunk) => {
      received += chunk.length
      if (received >= bytes) done(performance.now())
    })
  })
  const proxy = await createProxy({
    protocol: 'tcp',
    target: `127.0.0.1:${sink.address().port}`,
    impairments: [{ kind: 'bandwidth', bitsPerSecond, direction: 'upstream' }],
  })
  const socket = await connectTo(proxy.port)
  const started = performance.now()
  socket.write(Buffer.alloc(bytes, 1))
  const ended = await finished
  socket.destroy()
  await proxy.close()
  sink.close()
  const seconds = (ended - started) / 1000
  const measured = (bytes * 8) / seconds
  return {
    seconds: round(seconds, 3),
    errorPct: round(((measured - bitsPerSecond) / bitsPerSecond) * 100, 2),
  }
}

// ---------- latency ----------

/** Round trips of a 64-byte message through `port` to an echo, in ms, sorted. */
async function portRoundTrips(port, count) {
  const socket = await connectTo(port)
  const message = Buffer.alloc(64, 2)
  const samples = []
  for (let i = 0; i < count; i++) samples.push(await roundTrip(socket, message))
  socket.destroy()
  return samples.sort((a, b) => a - b)
}

async function latencyAccuracy() {
  const echo = await listen((socket) => socket.pipe(socket))
  const target = `127.0.0.1:${echo.address().port}`
  const proxy = await createProxy({ protocol: 'tcp', target })
  const base = await portRoundTrips(proxy.port, 200)
  // Downstream only (the default), so 50 ms configured is 50 ms added to each round trip.
  proxy.set([{ kind: 'latency', ms: 50 }])
  const delayed = await portRoundTrips(proxy.port, 100)
  proxy.set([{ kind: 'latency', ms: 50, jitterMs: 10 }])
  const jittered = await portRoundTrips(proxy.port, 100)
  await proxy.close()
  echo.close()
  const baseP50 = percentile(base, 50)
  return {
    latencyP50ErrorMs: round(percentile(delayed, 50) - baseP50 - 50, 2),
    latencyP99Ms: round(percentile(delayed, 99) - baseP50, 2),
    jitter10msP5Ms: round(percentile(jittered, 5) - baseP50, 2),
    jitter10msP95Ms: round(percentile(jittered, 95) - baseP50, 2),
  }
}

// ---------- throughput: direct, socat, quicksand ----------

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

function ensureSocat() {
  if (spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0) return true
  const root = process.getuid?.() === 0
  const apt = (args) =>
    spawnSync(root ? 'apt-get' : 'sudo', root ? args : ['apt-get', ...args], { stdio: 'ignore' })
  if (apt(['install', '-y', 'socat']).status !== 0) {
    apt(['update'])
    apt(['install', '-y', 'socat'])
  }
  return spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0
}

/** One 1 GiB run through `relay` ('direct', 'socat', 'clean' or 'idle'); MB/s (10^6 bytes) at the sink. */
async function throughputRun(relay, bytes) {
  const sink = await child(SINK, [bytes])
  const sinkPort = sink.first.port
  let port = sinkPort
  let relayProc
  if (relay === 'socat') {
    port = await freePort()
    relayProc = spawn(
      'socat',
      ['-b', '131072', `TCP-LISTEN:${port},reuseaddr,bind=127.0.0.1`, `TCP:127.0.0.1:${sinkPort}`],
      {
        stdio: 'ignore',
      },
    )
    children.add(relayProc)
  } else if (relay !== 'direct') {
    const impairments =
      relay === 'idle'
        ? [
            { kind: 'latency', ms: 0, direction: 'both' },
            { kind: 'bandwidth', bitsPerSecond: 1e12, direction: 'both' },
          ]
        : []
    const proxy = await child(PROXY, [JSON.stringify({ target: `127.0.0.1:${sinkPort}`, impairments })])
    relayProc = proxy.proc
    port = proxy.first.port
  }
  const result = nextMessage(sink.proc, 120_000)
  const sender = await spawnSender(port, bytes)
  const { ms } = await result
  await stop(sender)
  if (relayProc) {
    if (relay === 'socat') relayProc.kill('SIGTERM')
    await stop(relayProc)
  }
  await stop(sink.proc)
  return round(bytes / 1e6 / (ms / 1000), 1)
}

function spawnSender(port, bytes) {
  const proc = spawn(process.execPath, ['--input-type=module', '-e', SENDER, String(port), String(bytes)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  children.add(proc)
  proc.once('exit', () => children.delete(proc))
  return proc
}

async function throughput(haveSocat) {
  const relays = haveSocat ? ['direct', 'socat', 'clean', 'idle'] : ['direct', 'clean', 'idle']
  const best = {}
  // Interleaved rounds, best of each: the two cores are shared and noisy.
  for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
    for (const relay of relays) best[relay] = Math.max(best[relay] ?? 0, await throughputRun(relay, GiB))
  }
  return best
}

/** Blocks of round trips per pattern: wake-up times on these shared cores swing from block to block. */
const LATENCY_BLOCKS = 9

/** One round trip of a 64-byte message on a socket to an echo, in ms. */
function roundTrip(socket, message) {
  return new Promise((resolve) => {
    let got = 0
    const started = performance.now()
    const onData = (chunk) => {
      got += chunk.length
      if (got >= message.length) {
        socket.off('data', onData)
        resolve(performance.now() - started)
      }
    }
    socket.on('data', onData)
    socket.write(message)
  })
}

/**
 * Round trips in one of two patterns, ms, sorted per connection.
 * 'back-to-back' (netperf's TCP_RR): each connection runs `count` round trips in a row, the
 * connections taking turns at going first. 'interleaved': one round trip on each connection in
 * turn, so every proxy sits idle while the others are measured, as traffic with gaps does.
 */
async function roundTrips(sockets, count, pattern, pass) {
  const message = Buffer.alloc(64, 2)
  const samples = sockets.map(() => [])
  const rest = sockets.map((_, s) => s).slice(1)
  if (pattern === 'back-to-back') {
    const order = [0, ...(pass % 2 === 0 ? rest : [...rest].reverse())]
    for (const s of order)
      for (let i = 0; i < count; i++) samples[s].push(await roundTrip(sockets[s], message))
  } else {
    for (let i = 0; i < count; i++) {
      // The first connection (direct) leads; the proxies take turns at going first after it.
      const order = [0, ...(i % 2 === 0 ? rest : [...rest].reverse())]
      for (const s of order) samples[s].push(await roundTrip(sockets[s], message))
    }
  }
  return samples.map((list) => list.sort((a, b) => a - b))
}

async function connectRetrying(port) {
  for (let tries = 0; ; tries++) {
    try {
      return await connectTo(port)
    } catch (err) {
      if (err.code !== 'ECONNREFUSED' || tries > 250) throw err
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
}

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]

/**
 * Added round trip of a clean proxy in its own process, and of socat for reference: p50 over the
 * direct round trip to the same echo process, in µs.
 * LATENCY_BLOCKS blocks of each pattern; the median block is reported, so one burst of load from other
 * processes on the shared cores does not decide the figure.
 */
async function addedLatency(haveSocat) {
  // Client, relay and echo are three processes, as in the throughput runs: the direct figure then
  // pays the same wake-ups of client and echo that a relayed round trip does.
  const echo = await child(ECHO)
  const target = `127.0.0.1:${echo.first.port}`
  const proxy = await child(PROXY, [JSON.stringify({ target, impairments: [] })])
  let socat
  const ports = [echo.first.port, proxy.first.port]
  if (haveSocat) {
    const port = await freePort()
    socat = spawn('socat', ['-b', '131072', `TCP-LISTEN:${port},reuseaddr,bind=127.0.0.1`, `TCP:${target}`], {
      stdio: 'ignore',
    })
    children.add(socat)
    ports.push(port)
  }
  const sockets = []
  for (const port of ports) {
    const socket = await connectRetrying(port)
    socket.setNoDelay(true)
    sockets.push(socket)
  }
  const figures = {}
  for (const pattern of ['back-to-back', 'interleaved']) {
    await roundTrips(sockets, 300, pattern, 0) // warm-up
    const blocks = []
    for (let b = 0; b < LATENCY_BLOCKS; b++)
      blocks.push((await roundTrips(sockets, 600, pattern, b)).map((list) => percentile(list, 50)))
    const added = (i) => round(median(blocks.map((block) => block[i] - block[0])) * 1000, 1)
    figures[pattern] = {
      directP50Us: round(median(blocks.map((block) => block[0])) * 1000, 1),
      addedP50Us: added(1),
      socatAddedP50Us: haveSocat ? added(2) : null,
    }
  }
  for (const socket of sockets) socket.destroy()
  socat?.kill('SIGTERM')
  await stop(socat)
  await stop(proxy.proc)
  await stop(echo.proc)
  const rr = figures['back-to-back']
  const inProcess = await inProcessAddedLatency()
  const gaps = figures.interleaved
  return {
    directP50Us: rr.directP50Us,
    addedLatencyP50Us: rr.addedP50Us,
    socatAddedP50Us: rr.socatAddedP50Us,
    interleavedAddedP50Us: gaps.addedP50Us,
    interleavedSocatAddedP50Us: gaps.socatAddedP50Us,
    inProcessAddedP50Us: inProcess,
  }
}

/**
 * The proxy as the test fixtures run it: client, proxy and echo in one process, so no thread
 * ever sleeps and the figure is the proxy's own work plus its two extra loopback hops (µs, p50).
 */
async function inProcessAddedLatency() {
  const { createProxy } = await import(PROXY_MODULE)
  const echo = await listen((socket) => {
    socket.setNoDelay(true)
    socket.pipe(socket)
  })
  const proxy = await createProxy({
    protocol: 'tcp',
    target: `127.0.0.1:${echo.address().port}`,
    maxRecords: 0,
  })
  const sockets = [await connectTo(echo.address().port), await connectTo(proxy.port)]
  await roundTrips(sockets, 300, 'back-to-back', 0)
  const blocks = []
  for (let b = 0; b < LATENCY_BLOCKS; b++)
    blocks.push((await roundTrips(sockets, 600, 'back-to-back', b)).map((list) => percentile(list, 50)))
  for (const socket of sockets) socket.destroy()
  await proxy.close()
  echo.close()
  return round(median(blocks.map((block) => block[1] - block[0])) * 1000, 1)
}

// ---------- connections held ----------

function fdLimit() {
  try {
    return Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim())
  } catch {
    return 1024
  }
}

async function connectionsHeld() {
  const limit = fdLimit()
  // Two fds per proxied connection, and a margin for the listener, IPC pipes and the runtime.
  const wanted = Math.max(1, Math.floor((limit - 64) / 2))
  const target = await child(HOLD_TARGET)
  const proxy = await child(
    PROXY,
    [JSON.stringify({ target: `127.0.0.1:${target.first.port}`, impairments: [] })],
    ['--expose-gc'],
  )
  const before = await ask(proxy.proc, 'stats')
  const clients = await child(HOLD_CLIENTS, [proxy.first.port, wanted])
  const during = await ask(proxy.proc, 'stats')
  const atTarget = await ask(target.proc, 'count')
  const held = Math.min(clients.first.alive, during.activeConn, atTarget.open)
  await stop(clients.proc)
  await stop(proxy.proc)
  await stop(target.proc)
  return {
    fdLimit: limit,
    attempted: wanted,
    clientOpen: clients.first.alive,
    clientFailed: clients.first.failed,
    firstError: clients.first.firstError,
    proxyActive: during.activeConn,
    targetOpen: atTarget.open,
    connectionsHeld: held,
    bytesPerConnection: held > 0 ? Math.round((during.rss - before.rss) / held) : null,
  }
}

// ---------- the suite ----------

/** Runs every proxy benchmark; prints the figures and returns the summary. */
export async function run({ json } = {}) {
  const log = json ? () => {} : (line) => console.log(line)
  try {
    log('bandwidth accuracy (client -> target, first byte written to last byte received)')
    const bw1Small = await bandwidthError(1e6, 128 * KiB)
    log(`  1 Mbps, 128 KiB: ${bw1Small.seconds} s, error ${bw1Small.errorPct} %`)
    const bw1Large = await bandwidthError(1e6, 4 * MiB)
    log(`  1 Mbps, 4 MiB:   ${bw1Large.seconds} s, error ${bw1Large.errorPct} %`)
    const bw10 = await bandwidthError(1e7, 4 * MiB)
    log(`  10 Mbps, 4 MiB:  ${bw10.seconds} s, error ${bw10.errorPct} %`)

    log('latency (50 ms downstream, added round trip)')
    const latency = await latencyAccuracy()
    log(`  p50 error ${latency.latencyP50ErrorMs} ms, p99 ${latency.latencyP99Ms} ms`)
    log(`  jitter 10 ms: p5 ${latency.jitter10msP5Ms} ms, p95 ${latency.jitter10msP95Ms} ms`)

    log(
      `clean-path throughput, 1 GiB sender -> relay -> sink, three processes (best of ${THROUGHPUT_ROUNDS})`,
    )
    const haveSocat = ensureSocat()
    if (!haveSocat) log('  socat not available (apt-get install -y socat failed); skipping it')
    const tput = await throughput(haveSocat)
    log(`  direct ${tput.direct} MB/s`)
    if (haveSocat) log(`  socat -b 131072 ${tput.socat} MB/s`)
    log(
      `  quicksand clean ${tput.clean} MB/s${haveSocat ? ` (${round(tput.clean / tput.socat, 2)} x socat)` : ''}`,
    )
    log(
      `  quicksand idle impairments ${tput.idle} MB/s (${round((1 - tput.idle / tput.clean) * 100, 1)} % below clean)`,
    )

    const added = await addedLatency(haveSocat)
    log('added round trip of a clean proxy, p50 over the direct round trip')
    log(`  in one process with client and echo, as the fixtures run it: ${added.inProcessAddedP50Us} µs`)
    log(
      `  in its own process, client and echo in two more, back to back (TCP_RR): ${added.addedLatencyP50Us} µs (socat ${added.socatAddedP50Us ?? 'n/a'} µs; direct round trip ${added.directP50Us} µs)`,
    )
    log(
      `  the same, interleaved with the other relays (each idle in between): ${added.interleavedAddedP50Us} µs (socat ${added.interleavedSocatAddedP50Us ?? 'n/a'} µs)`,
    )

    log('connections held through one clean proxy')
    const held = await connectionsHeld()
    log(
      `  ${held.connectionsHeld} held of ${held.attempted} attempted (fd limit ${held.fdLimit}; client failures ${held.clientFailed}${held.firstError ? `, first ${held.firstError}` : ''}), ${held.bytesPerConnection} bytes RSS per connection`,
    )

    const worse1 =
      Math.abs(bw1Small.errorPct) >= Math.abs(bw1Large.errorPct) ? bw1Small.errorPct : bw1Large.errorPct
    return {
      bandwidth1MbpsErrorPct: worse1,
      bandwidth1Mbps128KiBErrorPct: bw1Small.errorPct,
      bandwidth1Mbps4MiBErrorPct: bw1Large.errorPct,
      bandwidth10MbpsErrorPct: bw10.errorPct,
      latencyP50ErrorMs: latency.latencyP50ErrorMs,
      latencyP99Ms: latency.latencyP99Ms,
      jitter10msP5Ms: latency.jitter10msP5Ms,
      jitter10msP95Ms: latency.jitter10msP95Ms,
      directMBps: tput.direct,
      socatMBps: tput.socat ?? null,
      cleanMBps: tput.clean,
      cleanVsSocat: tput.socat ? round(tput.clean / tput.socat, 3) : null,
      idleImpairedMBps: tput.idle,
      idleCostPct: round((1 - tput.idle / tput.clean) * 100, 1),
      // The proxy as quicksand runs it (in the test's process): its own work and two extra hops.
      addedLatencyP50Us: added.inProcessAddedP50Us,
      separateProcessAddedLatencyP50Us: added.addedLatencyP50Us,
      socatAddedLatencyP50Us: added.socatAddedP50Us,
      interleavedAddedLatencyP50Us: added.interleavedAddedP50Us,
      interleavedSocatAddedLatencyP50Us: added.interleavedSocatAddedP50Us,
      connectionsHeld: held.connectionsHeld,
      bytesPerConnection: held.bytesPerConnection,
    }
  } finally {
    for (const proc of [...children]) proc.kill('SIGKILL')
  }
}
