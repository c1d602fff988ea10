import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { Ledger } from '../../src/relay/ledger.js'
import { AppendLog, recoverLog } from '../../src/relay/log.js'

const folders: string[] = []
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true })
})

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
  const { records, truncatedBytes } = recoverLog(path)
  expect(truncatedBytes).toBe(0)
  expect(records.map((r) => r.toString())).toEqual([
    'first',
    ...Array.from({ length: 100 }, (_, i) => `record ${i}`),
  ])
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
  const { records, truncatedBytes } = recoverLog(path)
  expect(records.map((r) => r.toString())).toEqual(['kept one', 'kept two'])
  expect(truncatedBytes).toBe(8 + 'torn three'.length - 4)
  expect(statSync(path).size).toBe(whole - (8 + 'torn three'.length))
  // Garbage after whole records (a header whose checksum does not match) is cut the same way.
  appendFileSync(path, Buffer.from([0, 0, 0, 3, 1, 2, 3, 4, 9, 9, 9]))
  expect(recoverLog(path).records).toHaveLength(2)
  expect(readFileSync(path).length).toBe(whole - (8 + 'torn three'.length))
})

test('a missing file is an empty log', () => {
  expect(recoverLog(join(tmpdir(), 'quicksand-no-such-dir', 'ledger.log'))).toEqual({
    records: [],
    truncatedBytes: 0,
  })
})

test('a store above its limit is compacted on open: same ledger, no bytes kept for delivered segments', async () => {
  const path = freshPath()
  const ledger = new Ledger(path)
  const delivered = await ledger.addSegment('done', Buffer.alloc(4096, 1), 'a'.repeat(64), 1000)
  const waiting = await ledger.addSegment('waiting', Buffer.alloc(4096, 2), 'b'.repeat(64), 1001)
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
  await again.close()
  expect(again.compactedFromBytes).toBe(0)
  const done = again.segments.get('done')
  expect(done).toMatchObject({ size: 4096, sha256: 'a'.repeat(64), deliveredAt: 3002 })
  expect(done?.data.length).toBe(0)
  const still = again.segments.get('waiting')
  expect(still?.data.equals(Buffer.alloc(4096, 2))).toBe(true)
  expect(still?.attempts).toHaveLength(50)
  expect(still?.attempts[49]).toEqual({ at: 2049, ok: false, error: 'refused', bytes: 0, ms: 1 })
})
