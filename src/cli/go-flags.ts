// Command-line flags read as Go's flag package reads them: -flag value, --flag value,
// -flag=value, --flag=value; booleans as -flag or -flag=false (a boolean never takes the next
// argument). Parsing stops at "--" or the first argument that is not a flag.
import { parseGoDuration } from './go-duration.js'

/** The kinds of values a flag holds, as Go's flag.IntVar, Int64Var, BoolVar, DurationVar, StringVar. */
export type FlagKind = 'int' | 'bool' | 'duration' | 'string'

/** One flag: its kind, its default and its usage line. */
export interface FlagSpec {
  kind: FlagKind
  default: number | boolean | string
  usage: string
}

/** A command line the flags refuse; the message names the flag (one line, exit 2). */
export class FlagError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FlagError'
  }
}

/** Parsed values: each flag's (default or given), durations in ms, and which were given. */
export interface ParsedFlags {
  values: Record<string, number | boolean | string>
  given: Set<string>
  /** -h, -help or --help was given. */
  help: boolean
  /** Arguments after the flags. */
  rest: string[]
}

const BOOLEANS: Record<string, boolean> = {
  '1': true,
  t: true,
  T: true,
  true: true,
  TRUE: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  false: false,
  FALSE: false,
  False: false,
}

function flagValue(name: string, spec: FlagSpec, raw: string): number | boolean | string {
  const invalid = (rule: string) =>
    new FlagError(`invalid value ${JSON.stringify(raw)} for flag -${name}: ${rule}`)
  switch (spec.kind) {
    case 'bool': {
      const value = BOOLEANS[raw]
      if (value === undefined) throw invalid('not a boolean (true or false)')
      return value
    }
    case 'int': {
      if (!/^[+-]?\d+$/.test(raw)) throw invalid('not an integer')
      const value = Number(raw)
      if (!Number.isSafeInteger(value)) throw invalid('out of range')
      return value
    }
    case 'duration': {
      const ms = parseGoDuration(raw)
      if (ms === undefined) throw invalid('not a duration such as 500ms, 2s, 1m30s or 0')
      return ms
    }
    case 'string':
      return raw
  }
}

/** Parse `argv` against `specs`; throws FlagError naming the flag at fault. */
export function parseFlags(argv: readonly string[], specs: Record<string, FlagSpec>): ParsedFlags {
  const values: Record<string, number | boolean | string> = {}
  for (const [name, spec] of Object.entries(specs)) values[name] = spec.default
  const given = new Set<string>()
  let help = false
  let i = 0
  for (; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--') {
      i++
      break
    }
    if (!arg.startsWith('-') || arg === '-') break
    const body = arg.slice(arg.startsWith('--') ? 2 : 1)
    if (body === '' || body.startsWith('-') || body.startsWith('='))
      throw new FlagError(`bad flag syntax: ${arg}`)
    const eq = body.indexOf('=')
    const name = eq === -1 ? body : body.slice(0, eq)
    if (name === 'h' || name === 'help') {
      help = true
      continue
    }
    const spec = specs[name]
    if (!spec) throw new FlagError(`flag provided but not defined: -${name}`)
    let raw: string
    if (eq !== -1) raw = body.slice(eq + 1)
    else if (spec.kind === 'bool') raw = 'true'
    else {
      const next = argv[i + 1]
      if (next === undefined) throw new FlagError(`flag needs an argument: -${name}`)
      raw = next
      i++
    }
    values[name] = flagValue(name, spec, raw)
    given.add(name)
  }
  return { values, given, help, rest: argv.slice(i) }
}

/** Go's usage text: each flag with its kind and usage, the default when it is not the zero value. */
export function flagUsage(specs: Record<string, FlagSpec>): string {
  return Object.entries(specs)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, spec]) => {
      const kind = spec.kind === 'bool' ? '' : ` ${spec.kind === 'int' ? 'int' : spec.kind}`
      const zero = spec.default === 0 || spec.default === false || spec.default === ''
      const shown = spec.kind === 'duration' ? formatMs(spec.default as number) : JSON.stringify(spec.default)
      return `  -${name}${kind}\n    \t${spec.usage}${zero ? '' : ` (default ${shown})`}`
    })
    .join('\n')
}

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h0m0s`
  if (ms % 60_000 === 0) return `${ms / 60_000}m0s`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}
