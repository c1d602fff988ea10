import { formatMetric } from '../load/verdict/metric-format.js'
import type { MatcherContext, MatcherResult } from './context.js'
import { isLoadReport, matcherHeader, notALoadReport } from './report-guard.js'

const NAME = 'toStayWithinResources'

/** Resource limits: heap growth in MiB, active resources and open file descriptors added over the run. */
export interface ResourceLimits {
  heapDeltaMb?: number
  activeResourceDelta?: number
  openFdDelta?: number
}

const KEYS = ['heapDeltaMb', 'activeResourceDelta', 'openFdDelta'] as const

function checkLimits(limits: unknown): asserts limits is ResourceLimits {
  const given =
    typeof limits === 'object' && limits !== null ? (limits as Record<string, unknown>) : undefined
  const keys = given ? Object.keys(given) : []
  const bad = keys.find((k) => !KEYS.includes(k as never))
  if (!given || keys.length === 0 || bad !== undefined) {
    throw new TypeError(
      `${NAME}(limits): limits must be an object of ${KEYS.join(', ')}, got ${bad !== undefined ? `unknown key '${bad}'` : String(limits)}`,
    )
  }
  for (const key of keys) {
    const value = given[key]
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new TypeError(`${NAME}(limits): ${key} must be a non-negative number, got ${String(value)}`)
    }
  }
}

/**
 * Passes when the run's resource summary stays within every given limit (deltas from the first
 * to the last sample, summed over threads). Prints every resource with start, end, max and slope.
 */
export function toStayWithinResources(
  this: MatcherContext,
  received: unknown,
  limits: ResourceLimits,
): MatcherResult {
  checkLimits(limits)
  if (!isLoadReport(received)) return notALoadReport(this, NAME, received, 'limits')
  const { utils } = this
  const s = received.resourceSummary
  if (!s || s.sampleCount === 0) {
    return {
      pass: false,
      message: () =>
        `${matcherHeader(this, NAME, 'limits')}\n\nReceived a report without resource samples: nothing to check`,
    }
  }
  const heapMb = s.heapUsedDeltaBytes / 1048576
  const found: string[] = []
  if (limits.heapDeltaMb !== undefined && heapMb > limits.heapDeltaMb) {
    found.push(`heap grew ${formatMetric(heapMb)} MiB > ${limits.heapDeltaMb}`)
  }
  if (limits.activeResourceDelta !== undefined && s.activeResourcesDelta > limits.activeResourceDelta) {
    found.push(`active resources grew by ${s.activeResourcesDelta} > ${limits.activeResourceDelta}`)
  }
  if (limits.openFdDelta !== undefined && s.openFdsStart >= 0 && s.openFdsDelta > limits.openFdDelta) {
    found.push(`open fds grew by ${s.openFdsDelta} > ${limits.openFdDelta}`)
  }
  const pass = found.length === 0
  const slopes = s.slopesPerMinute
  const table =
    `  active resources  start ${s.activeResourcesStart}, end ${s.activeResourcesEnd}, max ${s.activeResourcesMax}${slopes ? `, slope ${slopes.activeResources}/min` : ''}\n` +
    `  heap used         start ${formatMetric(s.heapUsedStartBytes / 1048576)} MiB, end ${formatMetric(s.heapUsedEndBytes / 1048576)} MiB, max ${formatMetric(s.heapUsedMaxBytes / 1048576)} MiB${slopes ? `, slope ${slopes.heapUsedMb} MiB/min` : ''}\n` +
    `  open fds          ${s.openFdsStart < 0 ? 'not counted here' : `start ${s.openFdsStart}, end ${s.openFdsEnd}, max ${s.openFdsMax}`}`
  return {
    pass,
    message: () =>
      `${matcherHeader(this, NAME, 'limits')}\n\n` +
      (pass
        ? `Expected: ${utils.printExpected('a resource over its limit')}\nReceived: ${utils.printReceived('every resource within its limit')}\n\n`
        : `Expected: ${utils.printExpected(limits)}\nReceived:\n${found.map((f) => `  - ${utils.printReceived(f)}`).join('\n')}\n\n`) +
      `Resources over ${s.sampleCount} samples of ${s.threads} thread(s):\n${table}`,
  }
}
