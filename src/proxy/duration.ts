import { ImpairmentError } from './errors.js'

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** Parse a duration (ms number or '500ms', '2s', '1m', '250us') into ms; `field` names it in errors. */
export function parseDuration(field: string, value: unknown): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value
  } else if (typeof value === 'string') {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|m|h)?\s*$/.exec(value)
    if (match) return Number(match[1]) * (UNIT_MS[match[2] ?? 'ms'] ?? 1)
  }
  throw new ImpairmentError(field, value, "a duration: ms >= 0 or a string such as '500ms', '2s', '1m'")
}
