import type { LoadReport } from '../types.js'

/** What a verdict rule reads: a report before its verdict fields are filled in. */
export type VerdictInput = Omit<LoadReport, 'verdict' | 'verdictReasons'>

/** One pass/fail check over a load report. */
export interface VerdictRule {
  /** The reason name the rule emits (the part before `=`), e.g. `channel_leaks`. */
  name: string
  /** Reason strings for what this rule finds wrong; empty when the report is fine. */
  check(report: VerdictInput): string[]
}

/** A configured threshold, or undefined when it is off (unset, 0, negative or not a number). */
export function thresholdOf(value: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined
}
