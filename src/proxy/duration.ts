import { MAX_TIMER_MS } from '../errors/field-error.js'
import { parseDuration as readDuration } from '../load/duration.js'
import { ImpairmentError } from './errors.js'

/**
 * Parse a duration (ms number or '500ms', '2s', '1m', '250us') into ms; `field` names it in errors.
 * Every proxy duration ends up in a timer, and Node fires a longer timer at once (with a
 * TimeoutOverflowWarning), so anything above MAX_TIMER_MS is refused here rather than misbehaving later.
 */
export function parseDuration(field: string, value: unknown): number {
  const ms = readDuration(value)
  if (ms === undefined) {
    throw new ImpairmentError(field, value, "a duration: ms >= 0 or a string such as '500ms', '2s', '1m'")
  }
  if (ms > MAX_TIMER_MS) {
    throw new ImpairmentError(field, value, `at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest timer)`)
  }
  return ms
}
