// The one base of every "field must be rule, got value" error: load configs, node and proxy
// options, impairments. Subclasses keep their own names so users can tell where it came from.

/** Print a value the way a user wrote it: strings quoted, NaN and Infinity by name, objects as JSON. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value)
  if (value === undefined) return 'undefined'
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`
  if (typeof value === 'object' && value !== null) {
    try {
      const json = JSON.stringify(value, (_k, v: unknown) =>
        typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
      )
      if (json !== undefined) return json.length > 200 ? `${json.slice(0, 197)}...` : json
    } catch {
      // cyclic: fall through to the tag
    }
    return Object.prototype.toString.call(value)
  }
  return String(value)
}

/** A bad option: names the field, the value and the rule it broke. */
export class FieldError extends TypeError {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly rule: string,
    message = `${field} must be ${rule}, got ${describeValue(value)}`,
  ) {
    super(message)
    this.name = 'FieldError'
  }
}

/** A subclass constructor of FieldError, so each caller throws its own kind. */
export type FieldErrorClass = new (
  field: string,
  value: unknown,
  rule: string,
  message?: string,
) => FieldError

/** Edit distance, for "did you mean" suggestions (names are short, so the O(n·m) table is fine). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!
      const cost = a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + cost)
      diagonal = above
    }
  }
  return row[b.length]!
}

/** The known name closest to `name`, when it is close enough to be a likely typo. */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined
  let bestScore = Number.POSITIVE_INFINITY
  for (const candidate of known) {
    const lower = name.toLowerCase()
    const cand = candidate.toLowerCase()
    // A prefix ('jitter' for 'jitterMs') counts as close whatever its length.
    // A unit suffix left off and a letter slipped ('jiter' for 'jitterMs') is close too.
    const bare = candidate.replace(/(?:Ms|Us|Bytes)$/, '')
    const score =
      cand.startsWith(lower) || lower.startsWith(cand)
        ? 1
        : Math.min(distance(name, candidate), bare === candidate ? Infinity : distance(name, bare))
    if (score < bestScore) {
      bestScore = score
      best = candidate
    }
  }
  const limit = Math.max(2, Math.floor(name.length / 3))
  return bestScore <= limit ? best : undefined
}

/**
 * Reject keys of `options` that are not in `known`: "unknown field 'jiter' in latency impairment;
 * did you mean 'jitterMs'?". `where` names the options object; `prefix` is put before the field
 * (e.g. 'latency.') so the error's field matches how the user wrote it.
 */
export function rejectUnknownKeys(
  options: object,
  known: Iterable<string>,
  where: string,
  ErrorClass: FieldErrorClass = FieldError,
  prefix = '',
): void {
  const allowed = known instanceof Set ? (known as Set<string>) : new Set(known)
  for (const key of Object.keys(options)) {
    if (allowed.has(key)) continue
    const suggestion = closestName(key, allowed)
    const hint = suggestion ? `; did you mean '${suggestion}'?` : `; known fields: ${[...allowed].join(', ')}`
    throw new ErrorClass(
      `${prefix}${key}`,
      (options as Record<string, unknown>)[key],
      'a known field',
      `unknown field '${key}' in ${where}${hint}`,
    )
  }
}

/** Longest delay Node's timers take (2^31 - 1 ms, about 24.8 days); larger ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1
