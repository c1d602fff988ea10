// Progress of long runs in a terminal. A test's runs happen in Vitest's workers, whose output is
// not the terminal: the fixture writes the test's latest progress line to a file, and the
// reporter, in Vitest's main process, prints the lines that changed, at most once a second.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ProgressLine } from '../run/progress-line.js'
import type { RunProgress } from '../run/runner.js'

/** The key under which the reporter provides the progress folder (only when stdout is a terminal). */
export const PROGRESS_DIR_KEY = 'quicksandProgressDir'

/** Least time between two progress lines, in the file and on the terminal. */
export const PROGRESS_INTERVAL_MS = 1000

interface ProgressFile {
  test: string
  line: string
}

/** Writes one test's progress line to its file, at most once a second. */
export class ProgressWriter {
  private readonly path: string
  private readonly lines = new ProgressLine()
  private writtenAt = Number.NEGATIVE_INFINITY

  constructor(
    private readonly dir: string,
    testId: string,
    private readonly testName: string,
  ) {
    // Test ids are Vitest's own (file hash and position): safe as file names.
    this.path = join(dir, `${testId.replace(/[^\w-]/g, '_')}.json`)
  }

  /** Take a run's progress; written when a second has passed since the last write. */
  update(progress: RunProgress): void {
    const now = performance.now()
    if (now - this.writtenAt < PROGRESS_INTERVAL_MS) return
    this.writtenAt = now
    const file: ProgressFile = { test: this.testName, line: this.lines.format(progress) }
    mkdirSync(this.dir, { recursive: true })
    // Written aside and renamed, so the reporter never reads half a file.
    writeFileSync(`${this.path}.tmp`, JSON.stringify(file))
    renameSync(`${this.path}.tmp`, this.path)
  }

  /** The test ended: its line goes. */
  close(): void {
    rmSync(this.path, { force: true })
  }
}

/** Prints the progress lines that changed since the last tick, as one line, once a second. */
export class ProgressTicker {
  private timer: NodeJS.Timeout | undefined
  private readonly seen = new Map<string, number>()

  constructor(
    private readonly dir: string,
    private readonly print: (line: string) => void,
  ) {}

  /** Start ticking; the timer never holds the process open. */
  start(): void {
    this.timer = setInterval(() => this.tick(), PROGRESS_INTERVAL_MS)
    this.timer.unref()
  }

  /** Print one line of the runs whose progress changed since the last tick, if any did. */
  tick(): void {
    let names: string[]
    try {
      names = readdirSync(this.dir).filter((name) => name.endsWith('.json'))
    } catch {
      return
    }
    const changed: string[] = []
    for (const name of names) {
      const path = join(this.dir, name)
      try {
        const modified = statSync(path).mtimeMs
        if (this.seen.get(name) === modified) continue
        this.seen.set(name, modified)
        const file = JSON.parse(readFileSync(path, 'utf8')) as ProgressFile
        changed.push(`${file.test}: ${file.line}`)
      } catch {
        // Removed between the listing and the read: its test just ended.
      }
    }
    if (changed.length > 0) this.print(`quicksand ▸ ${changed.join('  |  ')}`)
  }

  /** Stop ticking. */
  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }
}
