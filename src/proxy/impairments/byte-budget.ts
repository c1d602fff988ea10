import type { Stage, StageContext } from '../impairment.js'
import type { ConnectionEnd } from '../types.js'

/** Forward `budget` bytes, then end the connection behind them and swallow the rest (cutoff, limitData). */
export function byteBudgetStage(budget: number, end: ConnectionEnd, context: StageContext): Stage {
  let left = budget
  let spent = false
  const finish = (): void => {
    spent = true
    context.emit({ signal: 'terminate', end })
  }
  if (left === 0) queueMicrotask(() => !spent && finish())
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
