// QUIC transport benchmark: the lean driver over quiche's native binding against
// @matrixai/quic's high-level QUICServer/QUICClient, then the whole fabric over QUIC.
// `npm run bench -- quic [--json]`
import { createHmac, randomFillSync } from 'node:crypto'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'

const MiB = 1024 * 1024
const CHUNK = 64 * 1024
const quic = () => import('../dist/transport/quic/index.js')

/** Streams `bytes` in 64 KiB writes on one stream, then FIN; resolves with ms from first write to close. */
async function pushStream(conn, bytes) {
  const stream = conn.openStream()
  const chunk = Buffer.alloc(CHUNK, 0x5a)
  let sent = 0
  const started = performance.now()
  await new Promise((resolve, reject) => {
    stream.onClose((error) => (error ? reject(error) : resolve()))
    const pump = () => {
      while (sent < bytes) {
        sent += CHUNK
        if (!stream.send(chunk)) return
      }
      stream.end()
    }
    stream.onDrain(pump)
    pump()
  })
  return performance.now() - started
}

/** A listener whose streams are drained and FINed back; counts bytes. */
async function sinkListener(maxPacketSize) {
  const { listenQuic } = await quic()
  const sink = { bytes: 0 }
  const listener = await listenQuic({ host: '127.0.0.1', port: 0, maxPacketSize }, (conn) => {
    conn.onStream((stream) => {
      stream.onData((chunk) => {
        sink.bytes += chunk.length
      })
    })
  })
  return { listener, sink }
}

async function leanOneThread(bytes) {
  const { connectQuic, closeClients } = await quic()
  const { listener, sink } = await sinkListener()
  try {
    const conn = await connectQuic({ host: '127.0.0.1', port: listener.port, timeoutMs: 5000 })
    const ms = await pushStream(conn, bytes)
    conn.close()
    if (sink.bytes !== bytes) throw new Error(`lean one-thread: node got ${sink.bytes} of ${bytes} bytes`)
    return bytes / 1e6 / (ms / 1000)
  } finally {
    await closeClients()
    await listener.close()
  }
}

/** maxPacketSize: undefined for the default (20 KiB datagrams on loopback), 1452 for path-sized ones. */
async function leanWorker(bytes, maxPacketSize) {
  const { listener, sink } = await sinkListener(maxPacketSize)
  try {
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { quicBenchClient: true, port: listener.port, bytes, maxPacketSize },
    })
    const ms = await new Promise((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    await worker.terminate()
    if (sink.bytes !== bytes) throw new Error(`lean worker: node got ${sink.bytes} of ${bytes} bytes`)
    return bytes / 1e6 / (ms / 1000)
  } finally {
    await listener.close()
  }
}

async function workerClient() {
  const { connectQuic, closeClients } = await quic()
  const conn = await connectQuic({
    host: '127.0.0.1',
    port: workerData.port,
    timeoutMs: 5000,
    maxPacketSize: workerData.maxPacketSize,
  })
  const ms = await pushStream(conn, workerData.bytes)
  conn.close()
  await closeClients()
  parentPort.postMessage(ms)
}

/** @matrixai/quic's high-level API, with the crypto callbacks it requires. */
async function highLevel() {
  const { QUICServer, QUICClient, events } = await import('@matrixai/quic')
  const Logger = (await import('@matrixai/logger')).default
  const { generateCertificate } = await quic()
  const identity = generateCertificate()
  const hmacKey = randomFillSync(new Uint8Array(32)).buffer
  const logger = new Logger('bench', 40)
  const crypto = {
    key: hmacKey,
    ops: {
      sign: async (key, data) => {
        const mac = createHmac('sha256', Buffer.from(key)).update(Buffer.from(data)).digest()
        return mac.buffer.slice(mac.byteOffset, mac.byteOffset + mac.byteLength)
      },
      verify: async (key, data, sig) =>
        createHmac('sha256', Buffer.from(key)).update(Buffer.from(data)).digest().equals(Buffer.from(sig)),
    },
  }
  const clientCrypto = { ops: { randomBytes: async (data) => void randomFillSync(new Uint8Array(data)) } }
  const sink = { bytes: 0 }
  const server = new QUICServer({
    config: { verifyPeer: false, key: identity.key, cert: identity.cert },
    crypto,
    logger: logger.getChild('server'),
  })
  server.addEventListener(events.EventQUICServerConnection.name, (evt) => {
    evt.detail.addEventListener(events.EventQUICConnectionStream.name, async (sevt) => {
      const stream = sevt.detail
      for await (const chunk of stream.readable) sink.bytes += chunk.byteLength
      await stream.writable.close()
    })
  })
  await server.start({ host: '127.0.0.1', port: 0 })
  const connect = () =>
    QUICClient.createQUICClient({
      host: '127.0.0.1',
      port: server.port,
      config: { verifyPeer: false },
      crypto: clientCrypto,
      logger: logger.getChild('client'),
    })
  return {
    /** MB/s of one stream of `bytes` in 64 KiB writes. */
    async throughput(bytes) {
      const client = await connect()
      const stream = client.connection.newStream()
      const writer = stream.writable.getWriter()
      const chunk = Buffer.alloc(CHUNK, 0x5a)
      const started = performance.now()
      const drained = (async () => {
        for await (const _ of stream.readable) {
        }
      })()
      for (let sent = 0; sent < bytes; sent += CHUNK) await writer.write(chunk)
      await writer.close()
      await drained
      const ms = performance.now() - started
      await client.destroy({ force: true })
      if (sink.bytes !== bytes) throw new Error(`high-level: server got ${sink.bytes} of ${bytes} bytes`)
      return bytes / 1e6 / (ms / 1000)
    },
    async handshakeMs() {
      const started = performance.now()
      const client = await connect()
      const ms = performance.now() - started
      await client.destroy({ force: true })
      return ms
    },
    stop: () => server.stop({ force: true }),
  }
}

async function leanHandshakes(count) {
  const { connectQuic, closeClients } = await quic()
  const { listener } = await sinkListener()
  const times = []
  try {
    for (let i = 0; i < count; i++) {
      const started = performance.now()
      const conn = await connectQuic({ host: '127.0.0.1', port: listener.port, timeoutMs: 5000 })
      times.push(performance.now() - started)
      conn.close()
    }
  } finally {
    await closeClients()
    await listener.close()
  }
  return median(times)
}

/** Seconds to push `count` streams of `size` bytes (each FINed both ways) over one connection. */
async function manyStreams(count, size) {
  const { connectQuic, closeClients } = await quic()
  const { listener, sink } = await sinkListener()
  try {
    const conn = await connectQuic({ host: '127.0.0.1', port: listener.port, timeoutMs: 5000 })
    const payload = Buffer.alloc(size, 0x33)
    const started = performance.now()
    await Promise.all(
      Array.from(
        { length: count },
        () =>
          new Promise((resolve, reject) => {
            const stream = conn.openStream()
            stream.onClose((error) => (error ? reject(error) : resolve()))
            stream.send(payload)
            stream.end()
          }),
      ),
    )
    const seconds = (performance.now() - started) / 1000
    conn.close()
    if (sink.bytes !== count * size)
      throw new Error(`many streams: node got ${sink.bytes} of ${count * size} bytes`)
    return seconds
  } finally {
    await closeClients()
    await listener.close()
  }
}

/** The whole fabric over QUIC, when the load runner is built; null figures otherwise. */
async function fabric() {
  let api
  try {
    api = await import('../dist/index.js')
  } catch {
    return { fabricMBps: null, churnPerSec: null, note: 'dist/index.js not built' }
  }
  if (typeof api.runLoad !== 'function' || typeof api.startNode !== 'function') {
    return { fabricMBps: null, churnPerSec: null, note: 'runLoad/startNode not exported yet' }
  }
  const node = await api.startNode({ transport: 'quic' })
  try {
    const bulk = await api.runLoad({
      targets: [node],
      streams: 1,
      concurrency: 1,
      bytesPerStream: 256 * MiB,
      payloadSize: 65536,
      inflightFrames: 16,
    })
    const churn = await api.runLoad({
      targets: [node],
      streams: 5000,
      concurrency: 64,
      bytesPerStream: 1024,
      payloadSize: 1024,
    })
    return {
      fabricMBps: bulk.throughputBps / 8 / 1e6,
      churnPerSec: churn.channelChurnPerSec,
    }
  } finally {
    await (node.close?.() ?? node.stop?.())
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

const round = (x, digits = 1) => (x === null || x === undefined ? null : Number(x.toFixed(digits)))

/** Each workload, run alone in a fresh process: the 2-core machine's figures depend on what ran before. */
const PARTS = {
  async highLevel() {
    const hl = await highLevel()
    try {
      const mbps = await hl.throughput(16 * MiB)
      const times = []
      for (let i = 0; i < 200; i++) times.push(await hl.handshakeMs())
      return { mbps, handshakeMedianMs: median(times) }
    } finally {
      await hl.stop()
    }
  },
  async manyStreams() {
    // The first round also pays for compiling the stream paths; it is reported as the cold figure.
    const cold = await manyStreams(1000, 16 * 1024)
    const warm = []
    for (let round = 0; round < 3; round++) warm.push(await manyStreams(1000, 16 * 1024))
    return { cold, warm }
  },
  leanOneThread: () => leanOneThread(256 * MiB),
  leanWorker: () => leanWorker(256 * MiB),
  leanWorkerPathSized: () => leanWorker(128 * MiB, 1452),
  leanHandshakes: () => leanHandshakes(200),
  fabric: () => fabric(),
}

/** Run one part in a child process and return what it printed. */
async function isolated(name) {
  const { execFileSync } = await import('node:child_process')
  const out = execFileSync(process.execPath, [new URL(import.meta.url).pathname, '--part', name], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 300_000,
  })
  return JSON.parse(out.trim().split('\n').pop())
}

/** Runs every QUIC workload, prints the figures and returns the summary. */
export async function run({ json = false } = {}) {
  const log = json ? () => {} : (line) => console.log(line)
  log('quic: each workload in a fresh process')
  // Latency-bound workloads first: after minutes of bulk transfer this shared VM answers
  // handshakes 10-50 % slower (1.15-1.6 ms against 1.05), whatever the code.
  const leanHandshakeMedianMs = await isolated('leanHandshakes')
  log(`  lean, 200 sequential handshakes: median ${leanHandshakeMedianMs.toFixed(2)} ms`)
  const many = await isolated('manyStreams')
  const manyStreamsSeconds = median(many.warm)
  log(
    `  lean, 1,000 streams x 16 KiB on one connection: ${manyStreamsSeconds.toFixed(3)} s (median of ${many.warm.map((v) => v.toFixed(3)).join(', ')}; cold first round ${many.cold.toFixed(3)} s)`,
  )
  const hl = await isolated('highLevel')
  log(
    `  @matrixai/quic high-level API: one stream 16 MiB ${hl.mbps.toFixed(2)} MB/s; 200 handshakes, median ${hl.handshakeMedianMs.toFixed(2)} ms`,
  )
  const leanSingleThreadMBps = await isolated('leanOneThread')
  log(`  lean, one stream 256 MiB, one thread:        ${leanSingleThreadMBps.toFixed(1)} MB/s`)
  const leanMBps = await isolated('leanWorker')
  log(`  lean, one stream 256 MiB, client in worker:  ${leanMBps.toFixed(1)} MB/s`)
  const leanPathSizedMBps = await isolated('leanWorkerPathSized')
  log(
    `  lean, client in worker, 1452-byte datagrams (a real path's size): ${leanPathSizedMBps.toFixed(1)} MB/s`,
  )
  const ratio = leanMBps / hl.mbps
  log(`  ratio (lean, client in worker / high-level): ${ratio.toFixed(0)}x`)
  const fab = await isolated('fabric')
  log(
    fab.fabricMBps === null
      ? `  fabric: skipped: ${fab.note}`
      : `  fabric (runLoad, node in the main thread): one stream 256 MiB ${fab.fabricMBps.toFixed(1)} MB/s; churn ${fab.churnPerSec?.toFixed(0)} channels/s`,
  )
  return {
    leanMBps: round(leanMBps),
    leanSingleThreadMBps: round(leanSingleThreadMBps),
    leanPathSizedMBps: round(leanPathSizedMBps),
    highLevelMBps: round(hl.mbps, 2),
    ratio: round(ratio),
    fabricMBps: round(fab.fabricMBps),
    churnPerSec: round(fab.churnPerSec, 0),
    leanHandshakeMedianMs: round(leanHandshakeMedianMs, 2),
    highLevelHandshakeMedianMs: round(hl.handshakeMedianMs, 2),
    manyStreamsSeconds: round(manyStreamsSeconds, 3),
    manyStreamsColdSeconds: round(many.cold, 3),
  }
}

const partIndex = process.argv.indexOf('--part')
if (isMainThread && partIndex > 0) {
  const result = await PARTS[process.argv[partIndex + 1]]()
  console.log(JSON.stringify(result))
  process.exit(0)
}

if (!isMainThread && workerData?.quicBenchClient) await workerClient()
