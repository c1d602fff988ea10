// quicksand's Vitest reporter: add it beside Vitest's own ('default', 'junit', ...), it replaces none.
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { rejectUnknownKeys } from '../errors/field-error.js'
import { renderReportPage } from './html.js'
import { PROGRESS_DIR_KEY, ProgressTicker } from './progress.js'
import { RUN_DIR_KEY } from './run-file.js'
import { collectScenarios, type FinishedModule } from './scenarios.js'
import { markdownTables, textTables } from './table.js'

/** Options of `['quicksand/reporter', { ... }]` in Vitest's `reporters`. */
export interface QuicksandReporterOptions {
  /** Folder for index.html and runs/*.json, relative to Vitest's root (default 'quicksand-report'). */
  outputDir?: string
  /** Markdown file the table is appended to (default: $GITHUB_STEP_SUMMARY when set); false for none. */
  stepSummary?: string | false
  /** Print a progress line of long runs at most once a second (default: when stdout is a terminal). */
  progress?: boolean
}

const OPTION_KEYS = [
  'outputDir',
  'stepSummary',
  'progress',
] as const satisfies readonly (keyof QuicksandReporterOptions)[]

/** The parts of the Vitest instance the reporter uses (structural, across Vitest 3, 4 and 5). */
interface VitestLike {
  config: { root: string }
  provide?: (key: never, value: never) => void
  logger?: { log(...args: unknown[]): void }
}

/** A Vitest reporter: a table per test file, the HTML report and one JSON file per load run. */
export class QuicksandReporter {
  private readonly options: QuicksandReporterOptions
  private root = process.cwd()
  private log: (text: string) => void = (text) => console.log(text)
  private ticker: ProgressTicker | undefined

  constructor(options: QuicksandReporterOptions = {}) {
    // Refused here, when Vitest builds its reporters, rather than ignored until the report is missing.
    rejectUnknownKeys(options, OPTION_KEYS, 'quicksand reporter options')
    this.options = options
  }

  /** Where index.html goes. */
  get outputDir(): string {
    return resolve(this.root, this.options.outputDir ?? 'quicksand-report')
  }

  /** Vitest calls this first: the run files' folder is made afresh and handed to the tests. */
  onInit(vitest: VitestLike): void {
    this.root = vitest.config.root
    if (vitest.logger) this.log = (text) => vitest.logger?.log(text)
    const runs = join(this.outputDir, 'runs')
    rmSync(runs, { recursive: true, force: true })
    mkdirSync(runs, { recursive: true })
    // Tests read it with inject(); without it the fixture writes no files.
    const provide = vitest.provide as ((key: string, value: string) => void) | undefined
    provide?.call(vitest, RUN_DIR_KEY, runs)
    if (this.options.progress ?? process.stdout.isTTY === true) {
      const progress = join(this.outputDir, 'progress')
      rmSync(progress, { recursive: true, force: true })
      mkdirSync(progress, { recursive: true })
      provide?.call(vitest, PROGRESS_DIR_KEY, progress)
      this.ticker = new ProgressTicker(progress, (line) => this.log(line))
      this.ticker.start()
    }
  }

  /** Vitest calls this after the run: print the tables, write the page and the CI summary. */
  onTestRunEnd(modules: ReadonlyArray<FinishedModule>): void {
    this.ticker?.stop()
    const files = collectScenarios(modules, this.root)
    if (files.length === 0) return
    const page = join(this.outputDir, 'index.html')
    writeFileSync(page, renderReportPage(files, new Date()))
    this.log(`\nquicksand scenarios${textTables(files)}\n\nquicksand report: ${page}\n`)
    const summary = this.options.stepSummary ?? process.env.GITHUB_STEP_SUMMARY
    if (summary) appendFileSync(summary, markdownTables(files))
  }
}

export default QuicksandReporter
