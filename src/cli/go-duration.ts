// Durations as Go's time.ParseDuration reads them ("500ms", "1m30s", "2h", "1.5s", "0"), so a
// reference command line pastes unchanged.
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
}
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y

/** Milliseconds of a Go duration string, or undefined when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  let rest = text
  let sign = 1
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest[0] === '-' ? -1 : 1
    rest = rest.slice(1)
  }
  if (rest === '0') return 0
  if (rest === '') return undefined
  let total = 0
  PART.lastIndex = 0
  while (PART.lastIndex < rest.length) {
    const at = PART.lastIndex
    const match = PART.exec(rest)
    if (!match || match.index !== at) return undefined
    total += Number(match[1]) * UNIT_MS[match[2]!]!
  }
  return sign * total
}
