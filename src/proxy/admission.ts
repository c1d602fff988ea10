import { isToxic } from './engine.js'
import type { AdmissionVerdict, ExistingVerdict } from './impairment.js'
import type { ActiveImpairment } from './impairment-set.js'

/**
 * The verdict of every connection-level impairment on one new connection or flow, in impairment
 * order: the first refuse or blackhole wins; delays of the ones that admit add up.
 */
export function admission(
  seed: number,
  conversation: number,
  impairments: readonly ActiveImpairment[],
): AdmissionVerdict {
  let delayMs = 0
  for (const entry of impairments) {
    if (!entry.module.admit || !isToxic(seed, conversation, entry)) continue
    const verdict = entry.module.admit(entry.params)
    if (verdict.verdict !== 'admit') return verdict
    delayMs += verdict.delayMs
  }
  return { verdict: 'admit', delayMs }
}

/** What a newly added impairment does to one open connection or flow (if its toxicity picks it). */
export function existingVerdict(
  seed: number,
  conversation: number,
  entry: ActiveImpairment,
): ExistingVerdict {
  if (!entry.module.existing || !isToxic(seed, conversation, entry)) return 'keep'
  return entry.module.existing(entry.params)
}
