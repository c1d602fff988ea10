import { parseDuration as readDuration } from '../load/duration.js'
import { ImpairmentError } from './errors.js'

/** Parse a duration (ms number or '500ms', '2s', '1m', '250us') into ms; `field` names it in errors. */
export function parseDuration(field: string, value: unknown): number {
  const ms = readDuration(value)
  if (ms === undefined) {
    throw new ImpairmentError(field, value, "a duration: ms >= 0 or a string such as '500ms', '2s', '1m'")
  }
  return ms
}
