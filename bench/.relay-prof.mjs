// `npm run bench -- relay [--json]`: the store-and-forward relay over TCP on loopback, durable.
// Small (64 B) segments per second and large (128 KiB) MB/s, each submit resolving only after its
// segment and its attempt are fsynced; fsyncs per segment (group commit); and the time to reopen a
// store holding 10,000 queued segments after a kill; and the memory 10,000 queued 128 KiB segments
// (1.3 GB of bytes) cost the relay, which keeps only their index in memory.
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
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
const folder = mkdtempSync(join(tmpdir(), 'qs-relay-prof-'))
const peer = await peerThread()
const r2 = await startRelay({ peer: peer.url, store: join(folder, 'bench.log') })
await pump(r2, 'warm', 200, 64, 32)
const small = await pump(r2, 'small', 10_000, 64, 256)
console.log(Math.round(10000 / small.seconds), small.syncs)
await r2.stop(); await peer.stop(); rmSync(folder, { recursive: true, force: true })
