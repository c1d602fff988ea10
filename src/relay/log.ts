// The relay's durable log: append-only records framed as [u32 body length][u32 crc32 of body][body].
// Appends are group-committed: every record queued while a write is in flight goes out in the next
// single write + fdatasync, and each append resolves only once its record is on disk. A crash can
// tear only the tail; recovery reads whole records up to the first short or bad one and truncates
// the rest, so a torn record is as if it was never written (its append never resolved). Records are
// read back by offset, so the ledger keeps only where a segment's bytes are, never the bytes.
import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  openSync,
  read,
  readSync,
  write,
  writeSync,
} from 'node:fs'
import { crc32 } from 'node:zlib'

const HEADER = 8
/** No record may be larger than this; a length above it is a torn or foreign tail. */
export const MAX_RECORD = 64 * 1024 * 1024

/** What reopening a log found. */
export interface LogRecovery {
  /** Bytes of whole records kept (the log's length after a torn tail was cut). */
  bytes: number
  /** Bytes cut from a torn tail (0 when the log ended on a whole record). */
  truncatedBytes: number
}

/** Counters of a log: how many records went to disk in how many syncs. */
export interface LogStats {
  records: number
  syncs: number
  bytes: number
}

/** Called for each whole record: `body` is only valid during the call; `offset` is its place in the file. */
export type RecordVisitor = (body: Buffer, offset: number) => void

interface Pending {
  frame: Buffer
  resolve: (offset: number) => void
  reject: (error: Error) => void
}

const READ_CHUNK = 1024 * 1024
/** Batches up to this size are written without the thread pool (see flush). */
const SYNC_WRITE_BYTES = 256 * 1024

/**
 * Reads the log at `path` record by record (a chunk at a time, so a log larger than memory can be
 * reopened), hands each whole record to `visit`, and cuts a torn tail off the file.
 */
export function recoverLog(path: string, visit: RecordVisitor): LogRecovery {
  let fd: number
  try {
    fd = openSync(path, 'r+')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { bytes: 0, truncatedBytes: 0 }
    throw error
  }
  try {
    const size = fstatSync(fd).size
    let chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, Math.max(HEADER, size)))
    // chunk[0, filled) holds the file's bytes from chunkAt on.
    let chunkAt = 0
    let filled = 0
    const ensure = (from: number, length: number): boolean => {
      if (from + length > size) return false
      if (from >= chunkAt && from + length <= chunkAt + filled) return true
      if (length > chunk.length) chunk = Buffer.allocUnsafe(length)
      chunkAt = from
      filled = 0
      const want = Math.min(chunk.length, size - from)
      while (filled < want) {
        const n = readSync(fd, chunk, filled, want - filled, from + filled)
        if (n === 0) break
        filled += n
      }
      return filled >= length
    }
    let at = 0
    while (ensure(at, HEADER)) {
      const length = chunk.readUInt32BE(at - chunkAt)
      const crc = chunk.readUInt32BE(at - chunkAt + 4)
      if (length > MAX_RECORD || !ensure(at + HEADER, length)) break
      const start = at + HEADER - chunkAt
      const body = chunk.subarray(start, start + length)
      if (crc32(body) !== crc) break
      visit(body, at + HEADER)
      at += HEADER + length
    }
    const truncatedBytes = size - at
    if (truncatedBytes > 0) {
      ftruncateSync(fd, at)
      fdatasyncSync(fd)
    }
    return { bytes: at, truncatedBytes }
  } finally {
    closeSync(fd)
  }
}

function frameOf(body: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(HEADER + body.length)
  frame.writeUInt32BE(body.length, 0)
  frame.writeUInt32BE(crc32(body), 4)
  frame.set(body, HEADER)
  return frame
}

/** An open log that appends with group commit and reads records' bytes back by offset. */
export class AppendLog {
  private queue: Pending[] = []
  private writing = false
  private reading = 0
  private closed = false
  private readonly fd: number
  /** Where the next frame lands: appends are serialised, so each frame's offset is known before it is written. */
  private end: number
  readonly stats: LogStats = { records: 0, syncs: 0, bytes: 0 }

  constructor(readonly path: string) {
    // Read-write and append: writes always go to the end, positional reads fetch segments back.
    this.fd = openSync(path, 'a+')
    this.end = fstatSync(this.fd).size
  }

  /** Appends one record; resolves with the body's offset in the file once it is on disk. */
  append(body: Uint8Array): Promise<number> {
    if (this.closed) return Promise.reject(new Error(`the relay log ${this.path} is closed`))
    if (body.length > MAX_RECORD) {
      return Promise.reject(
        new RangeError(`a relay log record is at most ${MAX_RECORD} bytes, got ${body.length}`),
      )
    }
    const frame = frameOf(body)
    return new Promise((resolve, reject) => {
      this.queue.push({ frame, resolve, reject })
      if (!this.writing) this.flush()
    })
  }

  /** Writes records synchronously (compaction, before anything else runs); returns each body's offset. */
  appendNowSync(bodies: Uint8Array[]): number[] {
    const offsets: number[] = []
    for (const body of bodies) {
      const frame = frameOf(body)
      writeSync(this.fd, frame)
      offsets.push(this.end + HEADER)
      this.end += frame.length
      this.stats.records++
      this.stats.bytes += frame.length
    }
    return offsets
  }

  /** Syncs what appendNowSync wrote. */
  syncNow(): void {
    fdatasyncSync(this.fd)
    this.stats.syncs++
  }

  /** Reads `length` bytes at `offset` (a record body or part of one) back from the file. */
  read(offset: number, length: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error(`the relay log ${this.path} is closed`))
    if (offset < 0 || offset + length > this.end) {
      return Promise.reject(
        new RangeError(
          `${length} bytes at ${offset} are outside the relay log ${this.path} (${this.end} bytes)`,
        ),
      )
    }
    const data = Buffer.allocUnsafe(length)
    this.reading++
    return new Promise<Buffer>((resolve, reject) => {
      const readFrom = (done: number) => {
        if (done === length) return resolve(data)
        read(this.fd, data, done, length - done, offset + done, (error, n) => {
          if (error) return reject(error)
          if (n === 0)
            return reject(new Error(`the relay log ${this.path} ended inside a record at ${offset}`))
          readFrom(done + n)
        })
      }
      readFrom(0)
    }).finally(() => {
      this.reading--
    })
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
    const startAt = this.end
    const fail = (error: Error) => {
      // A partial write would put a torn record mid-file, hiding every record after it at recovery.
      try {
        ftruncateSync(this.fd, startAt)
      } catch {
        // The fd is unusable; the appends are rejected either way and recovery cuts the tail.
      }
      for (const p of batch) p.reject(error)
      this.flush()
    }
    const sync = () => {
      fdatasync(this.fd, (syncError) => {
        if (syncError) return fail(syncError)
        this.end = startAt + data.length
        this.stats.records += batch.length
        this.stats.syncs++
        this.stats.bytes += data.length
        let at = startAt
        for (const p of batch) {
          p.resolve(at + HEADER)
          at += p.frame.length
        }
        this.flush()
      })
    }
    const writeFrom = (offset: number) => {
      write(this.fd, data, offset, data.length - offset, null, (error, written) => {
        if (error) return fail(error)
        if (offset + written < data.length) return writeFrom(offset + written)
        sync()
      })
    }
    // A small batch is copied into the page cache at once: a trip through the thread pool waits for
    // the event loop to come round, which on a busy relay took longer than the fdatasync itself.
    // A large one goes through the pool, so a disk that throttles writers never stalls the loop.
    if (data.length > SYNC_WRITE_BYTES) {
      writeFrom(0)
      return
    }
    let written = 0
    try {
      while (written < data.length) written += writeSync(this.fd, data, written, data.length - written)
    } catch (error) {
      fail(error as Error)
      return
    }
    sync()
  }

  private idle(): boolean {
    return !this.writing && this.queue.length === 0 && this.reading === 0
  }

  /** Waits for queued appends and reads in flight, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    while (!this.idle()) await new Promise((r) => setTimeout(r, 1))
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
    // A write or read in flight finishes on its fd; close after it, so the fd is never reused under it.
    const finish = () => (this.writing || this.reading > 0 ? setTimeout(finish, 1) : closeSync(this.fd))
    finish()
  }
}
