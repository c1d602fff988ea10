// `npm run bench -- multipath [--json]`: one ordered stream over several paths. Throughput over
// one and two 10 Mbps-limited proxy paths (round-robin) and over clean loopback; the stall when
// the active path is cut mid-stream; and the listener's connection-ID map after 1,000
// connections opened and closed. The same over QUIC subflows (each path a QUIC connection, through
// a UDP proxy when cut): clean throughput and the stall after a blackholed path.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { connectMultipath, createProxy } from '../dist/index.js'
import { listenMultipath } from '../dist/multipath/listener.js'
import { resolveTuning } from '../dist/multipath/settings.js'
import { closeClients } from '../dist/transport/quic/client.js'

const MB = 1024 * 1024

// A full collection before each heap reading, so the growth is what stays reachable, not garbage.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc')
const LIMITED_BPS = 10_000_000

/** A multipath sink on `paths` loopback ports (TCP, or QUIC with transport 'quic') that counts what it receives. */
async function sink(paths, scheduler = 'lowest-rtt', transport = 'tcp') {
  const counts = { bytes: 0 }
  const listener = await listenMultipath(
    Array.from({ length: paths }, () => ({ host: '127.0.0.1', port: 0, transport })),
    resolveTuning({ scheduler }),
    (connection) => {
      connection.on('data', (chunk) => {
        counts.bytes += chunk.length
      })
      connection.on('end', () => connection.end())
      connection.on('error', () => {})
    },
  )
  return { listener, counts }
}

/** Write `total` bytes as fast as the window lets through; MB/s from first write to last byte in. */
async function transfer(connection, counts, total) {
  const chunk = Buffer.alloc(64 * 1024, 7)
  const start = performance.now()
  for (let sent = 0; sent < total; sent += chunk.length) {
    if (!connection.write(chunk)) await new Promise((resolve) => connection.once('drain', resolve))
  }
  while (counts.bytes < total) await new Promise((resolve) => setTimeout(resolve, 2))
  const seconds = (performance.now() - start) / 1000
  return total / MB / seconds
}

async function throughput({ paths, scheduler, limited, total, transport = 'tcp' }) {
  const { listener, counts } = await sink(paths, scheduler, transport)
  const proxies = limited
    ? await Promise.all(
        listener.urls.map((url) =>
          createProxy({
            protocol: 'tcp',
            target: url,
            impairments: [{ kind: 'bandwidth', bitsPerSecond: LIMITED_BPS, direction: 'upstream' }],
          }),
        ),
      )
    : []
  const connection = await connectMultipath({
    paths: limited ? proxies : listener.urls,
    scheduler,
    ...(listener.fingerprint ? { fingerprint: listener.fingerprint } : {}),
  })
  try {
    return await transfer(connection, counts, total)
  } finally {
    connection.destroy()
    for (const proxy of proxies) await proxy.close()
    await listener.kill()
    await closeClients()
  }
}

/**
 * Cut the path carrying a stream over two 10 ms paths; the longest time without an ACK. A TCP
 * path is refused (its connections closed); a QUIC path is blackholed, the only outage UDP has.
 */
async function stallAfterCut(transport = 'tcp') {
  const { listener, counts } = await sink(2, 'lowest-rtt', transport)
  const proxies = await Promise.all(
    listener.urls.map((url) =>
      createProxy({
        protocol: transport === 'quic' ? 'udp' : 'tcp',
        target: url,
        impairments: [{ kind: 'latency', ms: 5, direction: 'both' }],
      }),
    ),
  )
  const connection = await connectMultipath({
    paths: proxies,
    ...(listener.fingerprint ? { fingerprint: listener.fingerprint } : {}),
  })
  const chunk = Buffer.alloc(16 * 1024, 1)
  let writing = true
  const writer = (async () => {
    while (writing) {
      if (!connection.write(chunk)) await new Promise((resolve) => connection.once('drain', resolve))
      await new Promise((resolve) => setImmediate(resolve))
    }
  })()
  while (counts.bytes < 2 * MB) await new Promise((resolve) => setTimeout(resolve, 5))
  const before = connection.stats()
  const active = before.paths[0].framesSent >= before.paths[1].framesSent ? 0 : 1
  proxies[active].add({
    kind: 'outage',
    mode: transport === 'quic' ? 'blackhole' : 'refuse',
    cutExisting: true,
  })
  const cutAt = counts.bytes
  while (counts.bytes < cutAt + 2 * MB) await new Promise((resolve) => setTimeout(resolve, 5))
  writing = false
  await writer
  const stall = connection.stats().longestAckGapMs
  connection.destroy()
  for (const proxy of proxies) await proxy.close()
  await listener.kill()
  await closeClients()
  return stall
}

/** Open and close 1,000 connections one after another; the CID entries left and the heap growth. */
async function churn() {
  const { listener } = await sink(2)
  gc()
  const heapBefore = process.memoryUsage().heapUsed
  for (let i = 0; i < 1000; i++) {
    const connection = await connectMultipath({ paths: listener.urls })
    connection.on('error', () => {})
    connection.resume()
    await new Promise((resolve) => {
      connection.once('close', resolve)
      connection.end(Buffer.from(`connection ${i}`))
    })
  }
  const deadline = performance.now() + 5000
  while (listener.cidEntries() > 0 && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 10))
  gc()
  const entries = listener.cidEntries()
  const heapGrowthKb = Math.round((process.memoryUsage().heapUsed - heapBefore) / 1024)
  await listener.kill()
  return { entries, heapGrowthKb }
}

const round2 = (n) => Math.round(n * 100) / 100

export async function run({ json }) {
  const onePathMBps = await throughput({ paths: 1, scheduler: 'round-robin', limited: true, total: 3 * MB })
  const twoPathsMBps = await throughput({ paths: 2, scheduler: 'round-robin', limited: true, total: 6 * MB })
  const cleanOnePathMBps = await throughput({
    paths: 1,
    scheduler: 'lowest-rtt',
    limited: false,
    total: 256 * MB,
  })
  const cleanTwoPathsMBps = await throughput({
    paths: 2,
    scheduler: 'round-robin',
    limited: false,
    total: 256 * MB,
  })
  const cleanTwoPathsLowestRttMBps = await throughput({
    paths: 2,
    scheduler: 'lowest-rtt',
    limited: false,
    total: 256 * MB,
  })
  const stallAfterCutMs = await stallAfterCut()
  const cleanOneQuicPathMBps = await throughput({
    paths: 1,
    scheduler: 'lowest-rtt',
    limited: false,
    total: 64 * MB,
    transport: 'quic',
  })
  const cleanTwoQuicPathsMBps = await throughput({
    paths: 2,
    scheduler: 'round-robin',
    limited: false,
    total: 64 * MB,
    transport: 'quic',
  })
  const stallAfterQuicCutMs = await stallAfterCut('quic')
  const { entries, heapGrowthKb } = await churn()
  const summary = {
    onePathMBps: round2(onePathMBps),
    twoPathsMBps: round2(twoPathsMBps),
    twoPathsRatio: round2(twoPathsMBps / onePathMBps),
    cleanOnePathMBps: round2(cleanOnePathMBps),
    cleanTwoPathsMBps: round2(cleanTwoPathsMBps),
    cleanTwoPathsLowestRttMBps: round2(cleanTwoPathsLowestRttMBps),
    stallAfterCutMs: round2(stallAfterCutMs),
    cleanOneQuicPathMBps: round2(cleanOneQuicPathMBps),
    cleanTwoQuicPathsMBps: round2(cleanTwoQuicPathsMBps),
    stallAfterQuicCutMs: round2(stallAfterQuicCutMs),
    cidEntriesAfter1000: entries,
    heapGrowthAfter1000Kb: heapGrowthKb,
  }
  if (!json) {
    console.log(
      `10 Mbps paths, round-robin: one ${summary.onePathMBps} MB/s, two ${summary.twoPathsMBps} MB/s (x${summary.twoPathsRatio})`,
    )
    console.log(
      `clean loopback: one path ${summary.cleanOnePathMBps} MB/s, two round-robin ${summary.cleanTwoPathsMBps} MB/s, two lowest-rtt ${summary.cleanTwoPathsLowestRttMBps} MB/s`,
    )
    console.log(`stall after cutting the active 10 ms path: ${summary.stallAfterCutMs} ms`)
    console.log(
      `QUIC subflows, clean loopback: one path ${summary.cleanOneQuicPathMBps} MB/s, two round-robin ${summary.cleanTwoQuicPathsMBps} MB/s`,
    )
    console.log(`stall after blackholing the active 10 ms QUIC path: ${summary.stallAfterQuicCutMs} ms`)
    console.log(
      `after 1,000 connections opened and closed: ${summary.cidEntriesAfter1000} CID entries, heap +${summary.heapGrowthAfter1000Kb} KiB`,
    )
  }
  return summary
}
