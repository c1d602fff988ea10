// `npm run bench -- relay [--json]`: the store-and-forward relay over TCP on loopback, durable.
// Small (64 B) segments per second and large (128 KiB) MB/s, each submit resolving only after its
// segment and its attempt are fsynced; fsyncs per segment (group commit); and the time to reopen a
// store holding 10,000 queued segments after a kill.
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { startRelay } from '../dist/index.js'

/** The peer in its own thread, as it would be on its own host: the relay's loop measures only the relay. */
async function peerThread() {
  const worker = new Worker(
    `
    const { parentPort } = require('node:worker_threads')
    import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)}).then(async ({ startPeer }) => {
      const peer = await startPeer({ transport: 'tcp' })
      parentPort.postMessage(peer.url)
      parentPort.on('message', async () => {
        const received = peer.received().length
        await peer.stop()
        parentPort.postMessage(received)
      })
    })`,
    { eval: true },
  )
  const [url] = await once(worker, 'message')
  let stopped
  const stop = async () => {
    worker.postMessage('stop')
    const [received] = await once(worker, 'message')
    await worker.terminate()
    return received
  }
  // Once only: a second call (the finally after a normal stop) gets the same answer.
  return { url, stop: () => (stopped ??= stop()) }
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

export async function run({ json }) {
  const folder = mkdtempSync(join(tmpdir(), 'quicksand-bench-relay-'))
  const peer = await peerThread()
  try {
    const relay = await startRelay({ peer: peer.url, store: join(folder, 'bench.log') })
    // Warm-up: the first connections and the file's first blocks.
    await pump(relay, 'warm', 200, 64, 32)
    const small = await pump(relay, 'small', 10_000, 64, 256)
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
      largeSegmentsMBps: Number(((200 * 128 * 1024) / 1e6 / large.seconds).toFixed(1)),
      fsyncsPerSegment: Number((small.syncs / 10_000).toFixed(3)),
      recoverySecondsFor10k: Number(recoverySecondsFor10k.toFixed(3)),
      targets: { smallSegmentsPerSec: 5000, recoverySecondsFor10k: 1 },
    }
    if (!json) {
      console.log(`relay, TCP on loopback, durable (fsync before every acknowledgement)`)
      console.log(`  64 B segments:      ${summary.smallSegmentsPerSec} segments/s (target >= 5000)`)
      console.log(`  128 KiB segments:   ${summary.largeSegmentsMBps} MB/s`)
      console.log(
        `  fsyncs per segment: ${summary.fsyncsPerSegment} (two records per segment, group-committed)`,
      )
      console.log(`  reopen 10,000 queued segments: ${summary.recoverySecondsFor10k} s (target <= 1)`)
    }
    return summary
  } finally {
    await peer.stop()
    rmSync(folder, { recursive: true, force: true })
  }
}
