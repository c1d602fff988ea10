import { describeValue } from '../errors/field-error.js'
import type { LoadReport } from '../load/types.js'
import type { MatcherContext, MatcherResult } from './context.js'

const NUMERIC_FIELDS = [
  'totalStreams',
  'successfulStreams',
  'failedStreams',
  'bytesSent',
  'channelOpens',
  'channelCloses',
  'channelLeaks',
  'ackP95Ms',
  'setupLatencyP95Ms',
] as const satisfies readonly (keyof LoadReport)[]

const OBJECT_FIELDS = [
  'config',
  'errors',
  'errorMessages',
  'targetStats',
  'routePressure',
] as const satisfies readonly (keyof LoadReport)[]

// Enough error kinds to point at the cause without burying the verdict reasons.
const MAX_ERROR_KINDS = 5
// A sample message is a hint, not a log: long ones are cut.
const MAX_MESSAGE_CHARS = 300

/**
 * The report's most frequent error kinds, one line each with its sample message:
 * "  4 × tls_fingerprint_mismatch (QUIC connect to 127.0.0.1:59544 refused: …)".
 */
export function errorLines(report: LoadReport): string[] {
  const messages = report.errorMessages ?? {}
  return Object.entries(report.errors ?? {})
    .sort(([, a], [, b]) => b - a)
    .slice(0, MAX_ERROR_KINDS)
    .map(([kind, count]) => {
      const message = messages[kind]
      if (message === undefined) return `  ${count} × ${kind}`
      const short =
        message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS - 1)}…` : message
      return `  ${count} × ${kind} (${short})`
    })
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A value in a few words: what it is rather than all of it. */
function kindOf(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`
  if (isRecord(value)) return `an object with ${Object.keys(value).length} field(s)`
  return describeValue(value)
}

/** Why `value` is not a LoadReport (the first field at fault, and what it holds), or undefined when it is one. */
export function loadReportProblem(value: unknown): string | undefined {
  if (!isRecord(value)) return `got ${kindOf(value)}`
  const wrong = (field: string, rule: string) => `field ${field} must be ${rule}, got ${kindOf(value[field])}`
  if (typeof value.schemaVersion !== 'string') return wrong('schemaVersion', 'a string')
  if (value.verdict !== 'pass' && value.verdict !== 'fail') return wrong('verdict', `'pass' or 'fail'`)
  if (!Array.isArray(value.verdictReasons) || !value.verdictReasons.every((r) => typeof r === 'string')) {
    return wrong('verdictReasons', 'an array of strings')
  }
  for (const field of NUMERIC_FIELDS) {
    if (typeof value[field] !== 'number') return wrong(field, 'a number')
  }
  for (const field of OBJECT_FIELDS) {
    if (!isRecord(value[field])) return wrong(field, 'an object')
  }
  return undefined
}

/** True when `value` has the shape of a quicksand LoadReport. */
export function isLoadReport(value: unknown): value is LoadReport {
  return loadReportProblem(value) === undefined
}

/** The matcher's header line, e.g. `expect(received).not.toStayUnderAckP95(expected)`. */
export function matcherHeader(context: MatcherContext, matcherName: string, expected = ''): string {
  return context.utils.matcherHint(matcherName, undefined, expected, {
    isNot: context.isNot,
    promise: context.promise,
  })
}

/** What a guard needs to say that `received` is not the report a matcher takes. */
export interface ReportKind {
  /** The run to await, e.g. 'traffic.run()'. */
  run: string
  /** The report type's name, e.g. 'TrafficReport'. */
  type: string
  /** What is wrong with a value that is not one. */
  problem(received: unknown): string
}

/** The failing result (with and without `.not`) for a value that is not a report of `kind`. */
export function notAReport(
  context: MatcherContext,
  name: string,
  received: unknown,
  kind: ReportKind,
  expected = '',
): MatcherResult {
  // An un-awaited run is the common mistake; say so instead of listing a missing field.
  const promise = typeof (received as { then?: unknown } | null)?.then === 'function'
  const problem = promise
    ? `received a promise: await ${kind.run} before asserting on its report`
    : `received is not a quicksand ${kind.type}: ${kind.problem(received)}`
  return {
    pass: context.isNot === true,
    message: () => `${matcherHeader(context, name, expected)}\n\n${problem}`,
  }
}

/** The guard of one report kind: `(context, name, received, expected?)` fails for a value that is not one. */
export function reportGuard(
  kind: ReportKind,
): (context: MatcherContext, name: string, received: unknown, expected?: string) => MatcherResult {
  return (context, name, received, expected = '') => notAReport(context, name, received, kind, expected)
}

// The received value is previewed on one line: a report missing one field would otherwise print
// its whole ~200-line body before anyone sees which field it was.
const PREVIEW_CHARS = 160

function preview(context: MatcherContext, received: unknown): string {
  if (!isRecord(received) && !Array.isArray(received)) return context.utils.printReceived(received)
  const json = describeValue(received)
  return json.length > PREVIEW_CHARS ? `${json.slice(0, PREVIEW_CHARS - 3)}...` : json
}

/**
 * Result for a received value that is not a LoadReport: it fails in both directions,
 * because `.not` on garbage would otherwise pass silently. The first line after the hint says
 * what is wrong; the received value follows, cut to one line.
 */
export function notALoadReport(
  context: MatcherContext,
  matcherName: string,
  received: unknown,
  expected = '',
): MatcherResult {
  // An un-awaited run is the common mistake; say so instead of listing a missing field.
  const promise = isRecord(received) && typeof received.then === 'function'
  const problem = promise
    ? 'received a promise: await the load run before asserting on its report'
    : `received is not a quicksand LoadReport: ${loadReportProblem(received) ?? 'not a report'}`
  return {
    pass: context.isNot === true,
    message: () =>
      `${matcherHeader(context, matcherName, expected)}\n\n` +
      `${problem}\n\n` +
      'Expected: a LoadReport (what `await fabric.load(...)` or `await runLoad(...)` returns)\n' +
      `Received: ${promise ? 'a Promise' : preview(context, received)}`,
  }
}

/** Throws a clear error unless `limit` is a positive finite number of milliseconds. */
export function requireLatencyLimitMs(matcherName: string, limit: unknown): asserts limit is number {
  if (typeof limit !== 'number' || !Number.isFinite(limit) || limit <= 0) {
    const shown = typeof limit === 'string' ? `'${limit}'` : String(limit)
    throw new TypeError(
      `${matcherName}(ms): ms must be a positive finite number of milliseconds, got ${shown}`,
    )
  }
}
