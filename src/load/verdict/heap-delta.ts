import { thresholdOf, type VerdictRule } from './rule.js'

/** Heap used grew by more than config.maxHeapDeltaMb MiB over the run (the reference's heap_alloc_delta_bytes). */
export const rule: VerdictRule = {
  name: 'heap_alloc_delta_bytes',
  check: ({ config, resourceSummary }) => {
    const limitMb = thresholdOf(config.maxHeapDeltaMb)
    if (limitMb === undefined) return []
    const limit = Math.round(limitMb * 1024 * 1024)
    const delta = resourceSummary?.heapUsedDeltaBytes ?? 0
    return delta > limit ? [`heap_alloc_delta_bytes=${delta} > ${limit}`] : []
  },
}
