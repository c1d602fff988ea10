// Paths of very different latency (1 ms and 300 ms round trip) with outages cut in at random
// moments: whatever the schedule, every byte arrives once, in order. Seeded and bounded.
import { afterEach, describe, expect, it } from 'vitest'
import { connectMultipath } from '../../src/multipath/dial.js'
import { SCHEDULER_NAMES } from '../../src/multipath/schedulers/index.js'
import { createProxy } from '../../src/proxy/proxy.js'
import type { ImpairmentProxy } from '../../src/proxy/types.js'
import { closeTracked, track } from '../helpers/cleanup.js'
import { sha256 } from '../helpers/digest.js'
import { sleep, until } from '../helpers/wait.js'
import { patternBytes, startSink, writeAll } from './harness.js'

afterEach(closeTracked)

/** A small seeded generator (mulberry32), so a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Cut a path for a while: connections dropped and new ones refused, then the path is clean again. */
let cuts = 0
async function cut(proxy: ImpairmentProxy, forMs: number): Promise<void> {
  // Named apart: two outages may overlap on one proxy.
  const handle = proxy.add({ kind: 'outage', name: `cut-${++cuts}`, mode: 'refuse', cutExisting: true })
  await sleep(forMs)
  proxy.remove(handle)
}

describe('multipath under random outages on a 1 ms and a 300 ms path', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`delivers every byte in order (seed ${seed})`, async () => {
      const next = random(seed)
      const scheduler = SCHEDULER_NAMES[Math.floor(next() * SCHEDULER_NAMES.length)]!
      const { listener, received } = await startSink(2, { scheduler })
      const fast = track(await createProxy({ protocol: 'tcp', target: listener.urls[0]! }))
      const slow = track(await createProxy({ protocol: 'tcp', target: listener.urls[1]! }))
      fast.add({ kind: 'latency', ms: 1, direction: 'both' })
      slow.add({ kind: 'latency', ms: 150, direction: 'both' })
      const connection = await connectMultipath({ paths: [fast, slow], scheduler, idleTimeoutMs: 8000 })
      track({ close: () => connection.destroy() })
      const data = patternBytes(256 * 1024 + Math.floor(next() * 65536), seed)
      // Two outages, each on a random path at a random moment; never both paths for the whole run.
      const outages = [0, 1].map(async () => {
        await sleep(Math.floor(next() * 600))
        await cut(next() < 0.5 ? fast : slow, 100 + Math.floor(next() * 300))
      })
      let offset = 0
      while (offset < data.length) {
        const size = 1 + Math.floor(next() * 48 * 1024)
        const ok = connection.write(data.subarray(offset, offset + size))
        offset += size
        if (!ok) await new Promise((resolve) => connection.once('drain', resolve))
        if (next() < 0.2) await sleep(Math.floor(next() * 40))
      }
      await Promise.all(outages)
      await writeAll(connection, Buffer.alloc(0))
      expect(await until(() => received[0]?.bytes === data.length, 10_000)).toBe(true)
      await received[0]!.ended
      expect(received[0]!.error).toBeUndefined()
      expect(received[0]!.hash.digest('hex')).toBe(sha256(data))
      // The outages did hit: at least one subflow was cut under the stream.
      expect(connection.stats().paths.reduce((sum, p) => sum + p.failures, 0)).toBeGreaterThanOrEqual(1)
    }, 15_000)
  }
})
