import type { Stage, StageContext } from '../impairment.js'
import type { ConnectionEnd } from '../types.js'

/**
 * Forward `budget` bytes, then end the connection behind them and swallow the rest (cutoff, limitData).
 * A budget of 0 ends the connection at once, unless `waitForData`: then at the first bytes, as
 * toxiproxy's limit_data does, so an idle pooled connection survives until it is used.
 */
export function byteBudgetStage(
  budget: number,
  end: ConnectionEnd,
  context: StageContext,
  waitForData = false,
): Stage {
  let left = budget
  let spent = false
  const finish = (): void => {
    spent = true
    context.emit({ signal: 'terminate', end })
  }
  if (left === 0 && !waitForData) queueMicrotask(() => !spent && finish())
  return {
    write(item) {
      if (spent) {
        context.discard(item)
        return
      }
      if (!Buffer.isBuffer(item)) {
        context.emit(item)
        return
      }
      if (item.length < left) {
        left -= item.length
        context.emit(item)
        return
      }
      const allowed = left
      left = 0
      if (allowed > 0) context.emit(item.subarray(0, allowed))
      if (item.length > allowed) context.discard(item.subarray(allowed))
      finish()
    },
    release: () => [],
  }
}
