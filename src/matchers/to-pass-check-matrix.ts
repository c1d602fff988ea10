import { type CheckMatrix, checkTable, matrixOutcome } from '../relay/check-matrix.js'
import type { MatcherContext, MatcherResult } from './context.js'
import { matcherHeader } from './report-guard.js'

const NAME = 'toPassCheckMatrix'

function isCheckMatrix(value: unknown): value is CheckMatrix {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'relay-check-matrix' &&
    Array.isArray((value as { checks?: unknown }).checks)
  )
}

/**
 * Passes when a relay lab check matrix is PASS by the lab's rule (all 10 checks pass; PARTIAL and
 * FAIL do not); the message prints the check table and the outcome.
 */
export function toPassCheckMatrix(this: MatcherContext, received: unknown): MatcherResult {
  if (!isCheckMatrix(received)) {
    return {
      pass: false,
      message: () =>
        `${matcherHeader(this, NAME)}\n\nExpected a relay check matrix (what runRelayLab returns), received ${this.utils.printReceived(received)}`,
    }
  }
  // The outcome is worked out again from the rows, so an edited matrix cannot claim a PASS it lacks.
  const outcome = matrixOutcome(received.checks)
  const pass = outcome === 'PASS'
  const count = (status: string) => received.checks.filter((c) => c.status === status).length
  return {
    pass,
    message: () =>
      `${matcherHeader(this, NAME)}\n\n` +
      `Expected the check matrix ${pass ? 'not ' : ''}to be ${this.utils.printExpected('PASS')}, it is ${this.utils.printReceived(outcome)}\n\n` +
      `${checkTable(received.checks)}\n\n` +
      `pass=${count('pass')} fail=${count('fail')} total=${received.checks.length}`,
  }
}
