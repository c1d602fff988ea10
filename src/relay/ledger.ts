// The relay's ledger: every segment it accepted and every delivery attempt, written through the
// append-only log (log.ts) before anything is acknowledged, so reopening the store after a crash
// rebuilds exactly what was promised. Memory holds the index (ids, attempts, where each segment's
// bytes are in the log), not the bytes: 10,000 queued 128 KiB segments stay on disk.
import { createHash } from 'node:crypto'
import { closeSync, fsyncSync, openSync, readSync, renameSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { AppendLog, type LogStats, recoverLog } from './log.js'

/** A store holding more than this many bytes nothing needs is compacted when it is opened. */
export const DEFAULT_COMPACT_ABOVE = 64 * 1024 * 1024

/** One delivery attempt of a segment. */
export interface RelayAttempt {
  /** Wall-clock start of the attempt (ms since the epoch). */
  at: number
  ok: boolean
  error?: string
  /** Payload bytes handed to the connection during the attempt. */
  bytes: number
  /** How long the attempt took (ms). */
  ms: number
}

/** What the ledger holds for one segment. */
export interface LedgerEntry {
  id: string
  size: number
  /** SHA-256 of the segment's bytes (hex). */
  sha256: string
  submittedAt: number
  attempts: RelayAttempt[]
  /** When the peer acknowledged it (ms since the epoch); undefined while it is not delivered. */
  deliveredAt?: number
}

/** A segment in the ledger: its entry and where its bytes are in the log, never the bytes themselves. */
export interface StoredSegment extends LedgerEntry {
  /** Offset of the segment's bytes in the log; -1 once compaction dropped a delivered segment's bytes. */
  dataAt: number
  /** The bytes, held only while the record that carries them is being written. */
  pending?: Buffer
}

type SegmentRecord = { t: 'segment'; id: string; size: number; sha256: string; at: number }
type AttemptRecord = { t: 'attempt'; id: string } & RelayAttempt

function encodeHeader(header: SegmentRecord | AttemptRecord, dataLength: number): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8')
  const body = Buffer.allocUnsafe(4 + json.length + dataLength)
  body.writeUInt32BE(json.length, 0)
  json.copy(body, 4)
  return body
}

function encodeRecord(header: SegmentRecord | AttemptRecord, data?: Uint8Array): Buffer {
  const body = encodeHeader(header, data?.length ?? 0)
  if (data) body.set(data, body.length - data.length)
  return body
}

const COMPACT_BATCH = 4 * 1024 * 1024

/** The ledger over one store file. */
export class Ledger {
  readonly segments = new Map<string, StoredSegment>()
  /** Bytes cut from a torn tail when the store was opened. */
  readonly truncatedBytes: number
  private readonly log: AppendLog

  /** Bytes the log was rewritten down from when it was opened (0 when it was not compacted). */
  readonly compactedFromBytes: number

  /**
   * Opens (or creates) the store. When the log holds more than `compactAbove` bytes nothing needs
   * (delivered segments' bytes, records of a segment seen twice), it is rewritten first with only what
   * the state needs: each segment once, its attempts, and the bytes of undelivered segments.
   */
  constructor(
    readonly path: string,
    compactAbove = DEFAULT_COMPACT_ABOVE,
  ) {
    let garbage = 0
    const { bytes, truncatedBytes } = recoverLog(path, (body, offset) => {
      garbage += this.apply(body, offset)
    })
    this.truncatedBytes = truncatedBytes
    for (const s of this.segments.values())
      if (s.deliveredAt !== undefined && s.dataAt >= 0) garbage += s.size
    this.compactedFromBytes = 0
    if (garbage > compactAbove) {
      this.compact()
      this.compactedFromBytes = bytes
    }
    this.log = new AppendLog(path)
  }

  // Written beside the store, synced, then renamed over it: a crash leaves the old or the new log
  // whole. Undelivered bytes are copied from the old log a batch at a time, never all in memory.
  private compact(): void {
    const next = `${this.path}.compact`
    rmSync(next, { force: true })
    const log = new AppendLog(next)
    const old = openSync(this.path, 'r')
    const moved = new Map<StoredSegment, number>()
    try {
      let bodies: Buffer[] = []
      let owners: (StoredSegment | undefined)[] = []
      let batched = 0
      const write = () => {
        const offsets = log.appendNowSync(bodies)
        owners.forEach((s, i) => {
          if (s) moved.set(s, (offsets[i] as number) + (bodies[i] as Buffer).length - s.size)
        })
        bodies = []
        owners = []
        batched = 0
      }
      for (const s of this.segments.values()) {
        const header: SegmentRecord = {
          t: 'segment',
          id: s.id,
          size: s.size,
          sha256: s.sha256,
          at: s.submittedAt,
        }
        const keep = s.deliveredAt === undefined
        const body = encodeHeader(header, keep ? s.size : 0)
        if (keep) readExactly(old, body, body.length - s.size, s.size, s.dataAt, this.path)
        bodies.push(body)
        owners.push(keep ? s : undefined)
        for (const a of s.attempts) {
          bodies.push(encodeRecord({ t: 'attempt', id: s.id, ...a }))
          owners.push(undefined)
        }
        batched += body.length
        if (batched >= COMPACT_BATCH) write()
      }
      write()
      log.syncNow()
    } finally {
      closeSync(old)
      log.closeSync()
    }
    renameSync(next, this.path)
    const dir = openSync(dirname(this.path), 'r')
    try {
      fsyncSync(dir)
    } finally {
      closeSync(dir)
    }
    // Only now that the new log is in place do the offsets point into it.
    for (const s of this.segments.values()) s.dataAt = moved.get(s) ?? -1
  }

  /** Applies one record; returns the bytes of it nothing needs (a segment recorded twice, an attempt of an unknown one). */
  private apply(body: Buffer, offset: number): number {
    const jsonLength = body.readUInt32BE(0)
    const header = JSON.parse(body.toString('utf8', 4, 4 + jsonLength)) as SegmentRecord | AttemptRecord
    if (header.t === 'segment') {
      if (this.segments.has(header.id)) return body.length
      this.segments.set(header.id, {
        id: header.id,
        size: header.size,
        sha256: header.sha256,
        submittedAt: header.at,
        attempts: [],
        // A delivered segment rewritten by compaction has a record without its bytes.
        dataAt: body.length - 4 - jsonLength === header.size ? offset + 4 + jsonLength : -1,
      })
      return 0
    }
    const segment = this.segments.get(header.id)
    if (!segment) return body.length
    this.note(segment, header)
    return 0
  }

  private note(segment: StoredSegment, attempt: AttemptRecord | RelayAttempt): void {
    const { at, ok, bytes, ms } = attempt
    segment.attempts.push({
      at,
      ok,
      bytes,
      ms,
      ...(attempt.error !== undefined ? { error: attempt.error } : {}),
    })
    if (ok && segment.deliveredAt === undefined) segment.deliveredAt = at + ms
  }

  /** Records a new segment; resolves once it is on disk. Its bytes are not kept in memory after that. */
  async addSegment(id: string, data: Buffer, sha256: string, at: number): Promise<StoredSegment> {
    const segment: StoredSegment = {
      id,
      size: data.length,
      sha256,
      submittedAt: at,
      attempts: [],
      dataAt: -1,
      pending: data,
    }
    this.segments.set(id, segment)
    const body = encodeRecord({ t: 'segment', id, size: data.length, sha256, at }, data)
    try {
      // The bytes are the body's tail.
      segment.dataAt = (await this.log.append(body)) + body.length - data.length
    } catch (error) {
      this.segments.delete(id)
      throw error
    } finally {
      delete segment.pending
    }
    return segment
  }

  /** Reads a segment's bytes back from the log and checks them against its SHA-256. */
  async segmentBytes(segment: StoredSegment): Promise<Buffer> {
    if (segment.pending) return segment.pending
    if (segment.size === 0) return Buffer.alloc(0)
    if (segment.dataAt < 0) {
      throw new Error(
        `segment ${segment.id} was delivered and its bytes were dropped from the store ${this.path} by compaction`,
      )
    }
    const data = await this.log.read(segment.dataAt, segment.size)
    if (createHash('sha256').update(data).digest('hex') !== segment.sha256) {
      throw new Error(
        `segment ${segment.id}'s bytes at offset ${segment.dataAt} of the store ${this.path} do not match its SHA-256`,
      )
    }
    return data
  }

  /** Records an attempt; resolves once it is on disk (and only then shows it). */
  async addAttempt(segment: StoredSegment, attempt: RelayAttempt): Promise<void> {
    await this.log.append(encodeRecord({ t: 'attempt', id: segment.id, ...attempt }))
    this.note(segment, attempt)
  }

  /** Writes, flushes and closes the store. */
  close(): Promise<void> {
    return this.log.close()
  }

  /** Lets go of the store at once, as a crash would. */
  abandon(): void {
    this.log.abandon()
  }

  stats(): LogStats {
    return { ...this.log.stats }
  }
}

function readExactly(
  fd: number,
  into: Buffer,
  at: number,
  length: number,
  position: number,
  path: string,
): void {
  let done = 0
  while (done < length) {
    const n = readSync(fd, into, at + done, length - done, position + done)
    if (n === 0)
      throw new Error(`the relay store ${path} ended inside a segment's bytes at offset ${position}`)
    done += n
  }
}
