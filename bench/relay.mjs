// `npm run bench -- relay [--json]`: the store-and-forward relay over TCP on loopback, durable.
// Small (64 B) segments per second and large (128 KiB) MB/s, each submit resolving only after its
// segment and its attempt are fsynced; fsyncs per segment (group commit); and the time to reopen a
// store holding 10,000 queued segments after a kill; and the memory 10,000 queued 128 KiB segments
// (1.3 GB of bytes) cost the relay, which keeps only their index in memory.
import { execFileSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Worker } from 'node:worker_threads'
import { startRelay } from '../dist/index.js'

/** The peer in its own thread, as it would be on its own host: the relay's loop measures only the relay. */
async function peerThread() {
  const worker = new Worker(
    `
    const { parentPort } = require('node:worker_threads')
    const net = require('node:net')
    import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)}).then(async ({ startPeer }) => {
      const peer = await startPeer({ transport: 'tcp' })
      // The baseline's server: reads one message, answers 40 bytes and closes, nothing recorded.
      const plain = net.createServer({ noDelay: true }, (socket) => {
        socket.once('data', () => socket.end(Buffer.alloc(40, 1)))
        socket.on('error', () => undefined)
      })
      plain.listen(0, '127.0.0.1', () => parentPort.postMessage({ url: peer.url, plainPort: plain.address().port }))
      parentPort.on('message', async () => {
        const received = peer.received().length
        await peer.stop()
        await new Promise((resolve) => plain.close(resolve))
        parentPort.postMessage(received)
      })
    })`,
    { eval: true },
  )
  const [{ url, plainPort }] = await once(worker, 'message')
  let stopped
  const stop = async () => {
    worker.postMessage('stop')
    const [received] = await once(worker, 'message')
    await worker.terminate()
    return received
  }
  // Once only: a second call (the finally after a normal stop) gets the same answer.
  return { url, plainPort, stop: () => (stopped ??= stop()) }
}

/**
 * The baseline: plain Node, no relay, no ledger, no fsync: a fresh TCP connection per message of the
 * size a small segment's frames take (~220 B), one 40 B answer, then close; same concurrency. What
 * one connection per segment costs on this machine, so the relay's rate reads as a ratio.
 */
async function plainConnections(port, count, concurrency) {
  const message = Buffer.alloc(220, 7)
  const once = () =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, noDelay: true })
      socket.on('connect', () => socket.write(message))
      socket.once('data', () => {
        socket.end()
        resolve()
      })
      socket.on('error', reject)
    })
  let next = 0
  const started = performance.now()
  const lane = async () => {
    while (next++ < count) await once()
  }
  await Promise.all(Array.from({ length: concurrency }, lane))
  return count / ((performance.now() - started) / 1000)
}

/** Submits `count` segments of `size` bytes, `concurrency` at a time; returns seconds and fsyncs. */
async function pump(relay, prefix, count, size, concurrency) {
  const bytes = Buffer.alloc(size, 7)
  const before = relay.status().log.syncs
  let next = 0
  let failed = 0
  const started = performance.now()
  const lane = async () => {
    while (next < count) {
      const id = `${prefix}-${next++}`
      const result = await relay.submit(id, bytes)
      if (!result.delivered) failed++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane))
  const seconds = (performance.now() - started) / 1000
  if (failed > 0) throw new Error(`${failed} of ${count} ${prefix} segments were not delivered`)
  return { seconds, syncs: relay.status().log.syncs - before }
}

// A full collection before each reading, so the figures are what is held, not what awaits collection.
setFlagsFromString('--expose-gc')
const collect = runInNewContext('gc')

/** Heap (JS objects plus Buffers outside it) and RSS, in MB, after a full collection. */
async function memoryMb() {
  // Buffers' memory is freed by a background sweeper after a collection: give it a moment, twice.
  for (let i = 0; i < 2; i++) {
    collect()
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const m = process.memoryUsage()
  return { heap: (m.heapUsed + m.external) / 1e6, rss: m.rss / 1e6 }
}

/** Queues 10,000 128 KiB segments (peer unreachable) and measures what the relay holds for them. */
async function queuedLarge(folder) {
  const bytes = Buffer.alloc(128 * 1024, 5)
  const relay = await startRelay({ peer: 'tcp://127.0.0.1:1', store: join(folder, 'large-queue.log') })
  try {
    const before = await memoryMb()
    for (let first = 0; first < 10_000; first += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          relay.submit(`large-${first + i}`, bytes, { seedFailed: 'seed: peer unreachable' }),
        ),
      )
    }
    const queued = await memoryMb()
    await relay.kill()
    const reopenStart = performance.now()
    await relay.restart()
    const reopenSeconds = (performance.now() - reopenStart) / 1000
    const reopened = await memoryMb()
    const dead = relay.deadletters().length
    if (dead !== 10_000) throw new Error(`reopened store holds ${dead} queued large segments, expected 10000`)
    return {
      heapMb: queued.heap - before.heap,
      rssMb: queued.rss - before.rss,
      reopenedHeapMb: reopened.heap - before.heap,
      reopenSeconds,
      storeMb: relay.status().log.bytes / 1e6,
    }
  } finally {
    await relay.close()
  }
}

export async function run({ json }) {
  const folder = mkdtempSync(join(tmpdir(), 'quicksand-bench-relay-'))
  // First, so no earlier relay's garbage is collected in the middle of the reading.
  const large10k = await queuedLarge(folder).catch((error) => {
    rmSync(folder, { recursive: true, force: true })
    throw error
  })
  // The 1.3 GB that reading wrote is still being written back: let the disk finish it, so the
  // segment rates below measure the relay's own fsyncs, not that backlog.
  execFileSync('sync')
  const peer = await peerThread()
  try {
    const relay = await startRelay({ peer: peer.url, store: join(folder, 'bench.log') })
    // Warm-up: the first connections and the file's first blocks.
    await pump(relay, 'warm', 200, 64, 32)
    await plainConnections(peer.plainPort, 200, 32)
    // Side by side: the baseline just before and just after, so a change in the machine's load
    // shows in both.
    const plainBefore = await plainConnections(peer.plainPort, 10_000, 256)
    const small = await pump(relay, 'small', 10_000, 64, 256)
    const plainAfter = await plainConnections(peer.plainPort, 10_000, 256)
    const plainPerSec = (plainBefore + plainAfter) / 2
    const large = await pump(relay, 'large', 200, 128 * 1024, 16)
    await relay.stop()
    const received = await peer.stop()
    if (received !== 10_400) throw new Error(`the peer recorded ${received} segments, expected 10400`)

    const queued = await startRelay({ peer: 'tcp://127.0.0.1:1', store: join(folder, 'queue.log') })
    const seed = Buffer.alloc(64, 3)
    for (let first = 0; first < 10_000; first += 1000) {
      await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          queued.submit(`queued-${first + i}`, seed, { seedFailed: 'seed: peer unreachable' }),
        ),
      )
    }
    await queued.kill()
    const reopenStart = performance.now()
    await queued.restart()
    const recoverySecondsFor10k = (performance.now() - reopenStart) / 1000
    const dead = queued.deadletters().length
    await queued.stop()
    if (dead !== 10_000) throw new Error(`reopened store holds ${dead} queued segments, expected 10000`)

    const summary = {
      smallSegmentsPerSec: Math.round(10_000 / small.seconds),
      plainConnectionsPerSec: Math.round(plainPerSec),
      smallVsPlain: Number((10_000 / small.seconds / plainPerSec).toFixed(2)),
      largeSegmentsMBps: Number(((200 * 128 * 1024) / 1e6 / large.seconds).toFixed(1)),
      fsyncsPerSegment: Number((small.syncs / 10_000).toFixed(3)),
      recoverySecondsFor10k: Number(recoverySecondsFor10k.toFixed(3)),
      queuedHeapMbFor10kLarge: Number(large10k.heapMb.toFixed(1)),
      queuedRssMbFor10kLarge: Number(large10k.rssMb.toFixed(1)),
      reopenedHeapMbFor10kLarge: Number(large10k.reopenedHeapMb.toFixed(1)),
      recoverySecondsFor10kLarge: Number(large10k.reopenSeconds.toFixed(3)),
      loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
      targets: { smallSegmentsPerSec: 5000, recoverySecondsFor10k: 1 },
    }
    if (!json) {
      console.log(`relay, TCP on loopback, durable (fsync before every acknowledgement)`)
      console.log(`  64 B segments:      ${summary.smallSegmentsPerSec} segments/s (target >= 5000)`)
      console.log(
        `  plain Node, one connection per message, no relay: ${summary.plainConnectionsPerSec}/s ` +
          `(relay ${summary.smallVsPlain}x)`,
      )
      console.log(`  128 KiB segments:   ${summary.largeSegmentsMBps} MB/s`)
      console.log(
        `  fsyncs per segment: ${summary.fsyncsPerSegment} (two records per segment, group-committed)`,
      )
      console.log(`  reopen 10,000 queued segments: ${summary.recoverySecondsFor10k} s (target <= 1)`)
      console.log(
        `  10,000 queued 128 KiB segments (1.3 GB): heap +${summary.queuedHeapMbFor10kLarge} MB, ` +
          `RSS +${summary.queuedRssMbFor10kLarge} MB; after a reopen (${summary.recoverySecondsFor10kLarge} s) ` +
          `heap +${summary.reopenedHeapMbFor10kLarge} MB`,
      )
      console.log(`  load average at the end: ${summary.loadAverage.join(' ')}`)
    }
    return summary
  } finally {
    await peer.stop()
    rmSync(folder, { recursive: true, force: true })
  }
}
