import { MAX_TIMER_MS, rejectUnknownKeys } from '../errors/field-error.js'
import { parseDuration } from './duration.js'
import { ImpairmentError } from './errors.js'
import { integer } from './impairments/params.js'
import type { FlapOptions, Impairment, ScheduleHandle, TimelineStep } from './types.js'

/** One timed action of a schedule, at ms after its start. */
export interface ScheduledAction {
  atMs: number
  run(): void
}

const MAX_STEPS = 10_000

/** Run actions at their times, one timer at a time; cancel() stops it and resolves `done`. */
export function runSchedule(actions: ScheduledAction[], endMs: number, onEnd: () => void): ScheduleHandle {
  const start = performance.now()
  let index = 0
  let timer: NodeJS.Timeout | undefined
  let finished = false
  let resolveDone: () => void = () => {}
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve
  })
  const finish = (): void => {
    if (finished) return
    finished = true
    if (timer) clearTimeout(timer)
    timer = undefined
    onEnd()
    resolveDone()
  }
  const step = (): void => {
    timer = undefined
    const elapsed = performance.now() - start
    while (!finished && index < actions.length && (actions[index] as ScheduledAction).atMs <= elapsed + 0.5) {
      ;(actions[index++] as ScheduledAction).run()
    }
    if (finished) return
    const nextAt = index < actions.length ? (actions[index] as ScheduledAction).atMs : endMs
    if (index >= actions.length && elapsed + 0.5 >= endMs) {
      finish()
      return
    }
    // Clamped: a schedule may run longer than one timer can wait; the next step re-arms.
    timer = setTimeout(step, Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(nextAt - elapsed))))
  }
  step()
  return { done, cancel: finish }
}

/** Every field of FlapOptions; the compiler keeps the list complete. */
const FLAP_FIELDS = Object.keys({
  up: true,
  down: true,
  cycles: true,
  mode: true,
  cutExisting: true,
} satisfies {
  [K in keyof FlapOptions]-?: true
})

/** Every field of a TimelineStep. */
const STEP_FIELDS = Object.keys({ at: true, set: true } satisfies { [K in keyof TimelineStep]-?: true })

/** Validated flap options in ms. */
export function parseFlap(options: FlapOptions): { upMs: number; downMs: number; cycles: number } {
  if (!options || typeof options !== 'object')
    throw new ImpairmentError('flap', options, 'an object { up, down, cycles }')
  rejectUnknownKeys(options, FLAP_FIELDS, 'flap options', ImpairmentError, 'flap.')
  return {
    upMs: parseDuration('flap.up', options.up),
    downMs: parseDuration('flap.down', options.down),
    cycles: integer('flap.cycles', options.cycles, 1),
  }
}

/** Validated timeline steps in ms, sorted by time; `check` validates each step's impairments. */
export function parseTimeline(
  steps: TimelineStep[],
  check: (impairments: Impairment[], field: string) => void,
): { atMs: number; set: Impairment[] }[] {
  if (!Array.isArray(steps) || steps.length === 0 || steps.length > MAX_STEPS) {
    throw new ImpairmentError('timeline', steps, `an array of 1 to ${MAX_STEPS} steps { at, set }`)
  }
  return steps
    .map((step, i) => {
      if (!step || typeof step !== 'object')
        throw new ImpairmentError(`timeline[${i}]`, step, 'a step { at, set }')
      rejectUnknownKeys(step, STEP_FIELDS, `timeline step ${i}`, ImpairmentError, `timeline[${i}].`)
      const atMs = parseDuration(`timeline[${i}].at`, step.at)
      if (!Array.isArray(step.set))
        throw new ImpairmentError(`timeline[${i}].set`, step.set, 'an array of impairments')
      check(step.set, `timeline[${i}].set`)
      return { atMs, set: step.set }
    })
    .sort((a, b) => a.atMs - b.atMs)
}

export { MAX_STEPS as MAX_SCHEDULE_STEPS }
