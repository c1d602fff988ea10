// The relay's durable log: append-only records framed as [u32 body length][u32 crc32 of body][body].
// Appends are group-committed: every record queued while a write is in flight goes out in the next
// single write + fdatasync, and each append resolves only once its record is on disk. A crash can
// tear only the tail; recovery reads whole records up to the first short or bad one and truncates
// the rest, so a torn record is as if it was never written (its append never resolved).
import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  write,
  writeSync,
} from 'node:fs'
import { crc32 } from 'node:zlib'

const HEADER = 8
/** No record may be larger than this; a length above it is a torn or foreign tail. */
export const MAX_RECORD = 64 * 1024 * 1024

/** What reopening a log found. */
export interface LogRecovery {
  /** Bodies of the whole records, in order. */
  records: Buffer[]
  /** Bytes cut from a torn tail (0 when the log ended on a whole record). */
  truncatedBytes: number
}

/** Counters of a log: how many records went to disk in how many syncs. */
export interface LogStats {
  records: number
  syncs: number
  bytes: number
}

interface Pending {
  frame: Buffer
  resolve: () => void
  reject: (error: Error) => void
}

/** Reads every whole record of the file at `path` and cuts a torn tail off it. */
export function recoverLog(path: string): LogRecovery {
  let data: Buffer
  try {
    data = readFileSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], truncatedBytes: 0 }
    throw error
  }
  const records: Buffer[] = []
  let at = 0
  while (at + HEADER <= data.length) {
    const length = data.readUInt32BE(at)
    if (length > MAX_RECORD || at + HEADER + length > data.length) break
    const body = data.subarray(at + HEADER, at + HEADER + length)
    if (crc32(body) !== data.readUInt32BE(at + 4)) break
    records.push(body)
    at += HEADER + length
  }
  const truncatedBytes = data.length - at
  if (truncatedBytes > 0) {
    const fd = openSync(path, 'r+')
    try {
      ftruncateSync(fd, at)
      fdatasyncSync(fd)
    } finally {
      closeSync(fd)
    }
  }
  return { records, truncatedBytes }
}

/** An open log that appends with group commit. */
export class AppendLog {
  private queue: Pending[] = []
  private writing = false
  private closed = false
  private readonly fd: number
  readonly stats: LogStats = { records: 0, syncs: 0, bytes: 0 }

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a')
  }

  /** Appends one record; resolves once it is on disk. */
  append(body: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`the relay log ${this.path} is closed`))
    if (body.length > MAX_RECORD) {
      return Promise.reject(
        new RangeError(`a relay log record is at most ${MAX_RECORD} bytes, got ${body.length}`),
      )
    }
    const frame = Buffer.allocUnsafe(HEADER + body.length)
    frame.writeUInt32BE(body.length, 0)
    frame.writeUInt32BE(crc32(body), 4)
    frame.set(body, HEADER)
    return new Promise((resolve, reject) => {
      this.queue.push({ frame, resolve, reject })
      if (!this.writing) this.flush()
    })
  }

  /** Writes a batch synchronously (for compaction and seeding before anything else runs). */
  appendNowSync(bodies: Uint8Array[]): void {
    for (const body of bodies) {
      const frame = Buffer.allocUnsafe(HEADER + body.length)
      frame.writeUInt32BE(body.length, 0)
      frame.writeUInt32BE(crc32(body), 4)
      frame.set(body, HEADER)
      writeSync(this.fd, frame)
      this.stats.records++
      this.stats.bytes += frame.length
    }
    fdatasyncSync(this.fd)
    this.stats.syncs++
  }

  private flush(): void {
    const batch = this.queue
    if (batch.length === 0) {
      this.writing = false
      return
    }
    this.queue = []
    this.writing = true
    const data = batch.length === 1 ? batch[0]!.frame : Buffer.concat(batch.map((p) => p.frame))
    const fail = (error: Error) => {
      for (const p of batch) p.reject(error)
      this.flush()
    }
    const writeFrom = (offset: number) => {
      write(this.fd, data, offset, data.length - offset, null, (error, written) => {
        if (error) return fail(error)
        if (offset + written < data.length) return writeFrom(offset + written)
        fdatasync(this.fd, (syncError) => {
          if (syncError) return fail(syncError)
          this.stats.records += batch.length
          this.stats.syncs++
          this.stats.bytes += data.length
          for (const p of batch) p.resolve()
          this.flush()
        })
      })
    }
    writeFrom(0)
  }

  /** Waits for queued appends, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    while (this.writing || this.queue.length > 0) await new Promise((r) => setTimeout(r, 1))
    closeSync(this.fd)
  }

  /** Closes the file of a log that only took appendNowSync. */
  closeSync(): void {
    if (this.closed) return
    this.closed = true
    closeSync(this.fd)
  }

  /** Closes the file at once, as a crash would: queued appends are rejected, never written. */
  abandon(): void {
    if (this.closed) return
    this.closed = true
    const dropped = this.queue
    this.queue = []
    for (const p of dropped) p.reject(new Error('the relay was killed'))
    // An in-flight write finishes on its fd; close after it, so the fd is never reused under it.
    const finish = () => (this.writing ? setTimeout(finish, 1) : closeSync(this.fd))
    finish()
  }
}
