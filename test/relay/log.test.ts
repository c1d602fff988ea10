import { randomBytes } from 'node:crypto'
import {
  appendFileSync,
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, onTestFinished, test } from 'vitest'
import { Ledger, type StoredSegment } from '../../src/relay/ledger.js'
import { AppendLog, recoverLog } from '../../src/relay/log.js'
import { sha256 } from '../helpers/digest.js'

const folders: string[] = []
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true })
})

/** Every whole record of the log, copied out of the reader's buffer. */
function recover(path: string): { records: Buffer[]; truncatedBytes: number } {
  const records: Buffer[] = []
  const { truncatedBytes } = recoverLog(path, (body) => records.push(Buffer.from(body)))
  return { records, truncatedBytes }
}

function freshPath(): string {
  const folder = mkdtempSync(join(tmpdir(), 'quicksand-log-test-'))
  folders.push(folder)
  return join(folder, 'ledger.log')
}

test('concurrent appends share one fsync and come back in order', async () => {
  const path = freshPath()
  const log = new AppendLog(path)
  await log.append(Buffer.from('first'))
  await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(Buffer.from(`record ${i}`))))
  await log.close()
  // The first append synced alone; the 100 queued behind it go out in far fewer syncs than records.
  expect(log.stats.records).toBe(101)
  expect(log.stats.syncs).toBeLessThanOrEqual(3)
  const { records, truncatedBytes } = recover(path)
  expect(truncatedBytes).toBe(0)
  expect(records.map((r) => r.toString())).toEqual([
    'first',
    ...Array.from({ length: 100 }, (_, i) => `record ${i}`),
  ])
})

test('a write the disk refuses rejects its appends, small batches and large, and the log goes on', async () => {
  // /dev/full takes the open and refuses every write with ENOSPC, like a full disk.
  const log = new AppendLog('/dev/full')
  onTestFinished(() => log.closeSync())
  // Small batches are written at once, large ones through the thread pool: both paths fail alike.
  await expect(log.append(Buffer.from('small'))).rejects.toThrow(/ENOSPC/)
  await expect(log.append(Buffer.alloc(512 * 1024, 1))).rejects.toThrow(/ENOSPC/)
  await expect(Promise.all([log.append(Buffer.from('a')), log.append(Buffer.from('b'))])).rejects.toThrow(
    /ENOSPC/,
  )
  expect(log.stats).toEqual({ records: 0, syncs: 0, bytes: 0 })
})

test('a torn last record is cut off and the whole ones before it kept', async () => {
  const path = freshPath()
  const log = new AppendLog(path)
  await log.append(Buffer.from('kept one'))
  await log.append(Buffer.from('kept two'))
  await log.append(Buffer.from('torn three'))
  await log.close()
  const whole = statSync(path).size
  truncateSync(path, whole - 4)
  const { records, truncatedBytes } = recover(path)
  expect(records.map((r) => r.toString())).toEqual(['kept one', 'kept two'])
  expect(truncatedBytes).toBe(8 + 'torn three'.length - 4)
  expect(statSync(path).size).toBe(whole - (8 + 'torn three'.length))
  // Garbage after whole records (a header whose checksum does not match) is cut the same way.
  appendFileSync(path, Buffer.from([0, 0, 0, 3, 1, 2, 3, 4, 9, 9, 9]))
  expect(recover(path).records).toHaveLength(2)
  expect(readFileSync(path).length).toBe(whole - (8 + 'torn three'.length))
})

test('a missing file is an empty log', () => {
  expect(recover(join(tmpdir(), 'quicksand-no-such-dir', 'ledger.log'))).toEqual({
    records: [],
    truncatedBytes: 0,
  })
})

test('a store above its limit is compacted on open: same ledger, no bytes kept for delivered segments', async () => {
  const path = freshPath()
  const ledger = new Ledger(path)
  const delivered = await ledger.addSegment(
    'done',
    Buffer.alloc(4096, 1),
    sha256(Buffer.alloc(4096, 1)),
    1000,
  )
  const waiting = await ledger.addSegment(
    'waiting',
    Buffer.alloc(4096, 2),
    sha256(Buffer.alloc(4096, 2)),
    1001,
  )
  // Many failed attempts: the log grows with history the state still needs, and with bytes it does not.
  for (let i = 0; i < 50; i++)
    await ledger.addAttempt(waiting, { at: 2000 + i, ok: false, error: 'refused', bytes: 0, ms: 1 })
  await ledger.addAttempt(delivered, { at: 3000, ok: true, bytes: 4096, ms: 2 })
  await ledger.close()
  const before = statSync(path).size

  const reopened = new Ledger(path, 1024)
  await reopened.close()
  expect(reopened.compactedFromBytes).toBe(before)
  expect(statSync(path).size).toBeLessThan(before - 4000)
  const again = new Ledger(path)
  onTestFinished(() => again.close())
  expect(again.compactedFromBytes).toBe(0)
  const done = again.segments.get('done')
  expect(done).toMatchObject({ size: 4096, sha256: sha256(Buffer.alloc(4096, 1)), deliveredAt: 3002 })
  expect(done?.dataAt).toBe(-1)
  await expect(again.segmentBytes(done as StoredSegment)).rejects.toThrow(/done was delivered/)
  const still = again.segments.get('waiting') as StoredSegment
  expect((await again.segmentBytes(still)).equals(Buffer.alloc(4096, 2))).toBe(true)
  expect(still?.attempts).toHaveLength(50)
  expect(still?.attempts[49]).toEqual({ at: 2049, ok: false, error: 'refused', bytes: 0, ms: 1 })
})

test('segment bytes live in the log, not in memory, and read back exactly after restarts and compaction', async () => {
  const path = freshPath()
  const sizes = [0, 1, 64, 4096, 128 * 1024, 128 * 1024 + 7, 300_000]
  const written = new Map<string, Buffer>()
  const first = new Ledger(path)
  for (const [i, size] of sizes.entries()) {
    for (const state of ['queued', 'delivered']) {
      const id = `${state}-${i}`
      const data = randomBytes(size)
      written.set(id, data)
      const segment = await first.addSegment(id, data, sha256(data), 1000 + i)
      if (state === 'delivered') await first.addAttempt(segment, { at: 2000, ok: true, bytes: size, ms: 1 })
      else await first.addAttempt(segment, { at: 2000, ok: false, error: 'refused', bytes: 0, ms: 1 })
    }
  }
  // The index holds offsets and metadata; no entry keeps a segment's bytes once they are on disk.
  for (const segment of first.segments.values()) {
    expect(Object.values(segment).some((v) => v instanceof Uint8Array)).toBe(false)
  }
  await first.close()

  const check = async (ledger: Ledger, withDelivered: boolean) => {
    for (const [id, data] of written) {
      const segment = ledger.segments.get(id) as StoredSegment
      expect(segment.size).toBe(data.length)
      // An empty segment has no bytes to drop.
      if (id.startsWith('delivered') && !withDelivered && data.length > 0) {
        expect(segment.dataAt).toBe(-1)
        continue
      }
      expect(sha256(await ledger.segmentBytes(segment)), id).toBe(sha256(data))
    }
  }
  const reopened = new Ledger(path)
  expect(reopened.compactedFromBytes).toBe(0)
  await check(reopened, true)
  // A segment added after a restart lands after the old records and reads back too.
  const late = randomBytes(5000)
  written.set('queued-late', late)
  await reopened.addSegment('queued-late', late, sha256(late), 3000)
  await check(reopened, true)
  await reopened.close()

  // Compaction moves every queued segment's bytes to a new offset and drops the delivered ones'.
  const compacted = new Ledger(path, 1024)
  expect(compacted.compactedFromBytes).toBeGreaterThan(statSync(path).size)
  await check(compacted, false)
  await compacted.close()
  // And the compacted log reopens to the same offsets without compacting again.
  const last = new Ledger(path, 1024)
  onTestFinished(() => last.close())
  expect(last.compactedFromBytes).toBe(0)
  await check(last, false)
})

test('bytes that no longer match their checksum are refused, naming the segment and the store', async () => {
  const path = freshPath()
  const ledger = new Ledger(path)
  const data = Buffer.alloc(1000, 5)
  const segment = await ledger.addSegment('flipped', data, sha256(data), 1000)
  // Damage the stored bytes behind the log's back (a bad disk); recovery would catch it by CRC, a read by SHA-256.
  const fd = openSync(path, 'r+')
  writeSync(fd, Buffer.from([6]), 0, 1, segment.dataAt + 10)
  closeSync(fd)
  await expect(ledger.segmentBytes(segment)).rejects.toThrow(
    `segment flipped's bytes at offset ${segment.dataAt} of the store ${path} do not match its SHA-256`,
  )
  await ledger.close()
})
