// The relay's ledger: every segment it accepted and every delivery attempt, kept in memory and
// written through the append-only log (log.ts) before anything is acknowledged, so reopening the
// store after a crash rebuilds exactly what was promised.
import { closeSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { AppendLog, type LogStats, recoverLog } from './log.js'

/** A store larger than this is compacted when it is opened. */
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

/** A segment in the ledger with its bytes. */
export interface StoredSegment extends LedgerEntry {
  data: Buffer
}

type SegmentRecord = { t: 'segment'; id: string; size: number; sha256: string; at: number }
type AttemptRecord = { t: 'attempt'; id: string } & RelayAttempt

function encodeRecord(header: SegmentRecord | AttemptRecord, data?: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8')
  const body = Buffer.allocUnsafe(4 + json.length + (data?.length ?? 0))
  body.writeUInt32BE(json.length, 0)
  json.copy(body, 4)
  if (data) body.set(data, 4 + json.length)
  return body
}

/** The ledger over one store file. */
export class Ledger {
  readonly segments = new Map<string, StoredSegment>()
  /** Bytes cut from a torn tail when the store was opened. */
  readonly truncatedBytes: number
  private readonly log: AppendLog

  /** Bytes the log was rewritten down from when it was opened (0 when it was not compacted). */
  readonly compactedFromBytes: number

  /**
   * Opens (or creates) the store. A log larger than `compactAbove` bytes is rewritten first with
   * only what the state needs: each segment once, its attempts, and no bytes for delivered segments.
   */
  constructor(
    readonly path: string,
    compactAbove = DEFAULT_COMPACT_ABOVE,
  ) {
    const { records, truncatedBytes } = recoverLog(path)
    this.truncatedBytes = truncatedBytes
    for (const body of records) this.apply(body)
    const size = records.reduce((n, r) => n + r.length + 8, 0)
    this.compactedFromBytes = 0
    if (size > compactAbove) {
      this.compact()
      this.compactedFromBytes = size
    }
    this.log = new AppendLog(path)
  }

  // Written beside the store, synced, then renamed over it: a crash leaves the old or the new log whole.
  private compact(): void {
    const next = `${this.path}.compact`
    rmSync(next, { force: true })
    const log = new AppendLog(next)
    const bodies: Buffer[] = []
    for (const s of this.segments.values()) {
      const kept = s.deliveredAt === undefined ? s.data : undefined
      bodies.push(
        encodeRecord({ t: 'segment', id: s.id, size: s.size, sha256: s.sha256, at: s.submittedAt }, kept),
      )
      for (const a of s.attempts) bodies.push(encodeRecord({ t: 'attempt', id: s.id, ...a }))
      if (s.deliveredAt !== undefined) s.data = Buffer.alloc(0)
    }
    log.appendNowSync(bodies)
    log.closeSync()
    renameSync(next, this.path)
    const dir = openSync(dirname(this.path), 'r')
    try {
      fsyncSync(dir)
    } finally {
      closeSync(dir)
    }
  }

  private apply(body: Buffer): void {
    const jsonLength = body.readUInt32BE(0)
    const header = JSON.parse(body.toString('utf8', 4, 4 + jsonLength)) as SegmentRecord | AttemptRecord
    if (header.t === 'segment') {
      if (this.segments.has(header.id)) return
      this.segments.set(header.id, {
        id: header.id,
        size: header.size,
        sha256: header.sha256,
        submittedAt: header.at,
        attempts: [],
        // Copied out of the file's buffer, so that buffer can be freed.
        data: Buffer.from(body.subarray(4 + jsonLength)),
      })
      return
    }
    const segment = this.segments.get(header.id)
    if (segment) this.note(segment, header)
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

  /** Records a new segment; resolves once it is on disk. */
  async addSegment(id: string, data: Buffer, sha256: string, at: number): Promise<StoredSegment> {
    const segment: StoredSegment = { id, size: data.length, sha256, submittedAt: at, attempts: [], data }
    this.segments.set(id, segment)
    try {
      await this.log.append(encodeRecord({ t: 'segment', id, size: data.length, sha256, at }, data))
    } catch (error) {
      this.segments.delete(id)
      throw error
    }
    return segment
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
