const UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|m|h)?\s*$/

/** A duration: milliseconds as a number, or a string such as '500ms', '2s', '1m' (no unit = ms). */
export type Duration = number | string

/** Parse a Duration to milliseconds, or return undefined when it is not one. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined
  if (typeof value !== 'string') return undefined
  const match = PATTERN.exec(value)
  if (!match) return undefined
  return Number(match[1]) * UNITS[match[2] ?? 'ms']!
}
