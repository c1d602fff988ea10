import type { ImpairmentModule, Item } from '../impairment.js'
import type { Duration } from '../types.js'
import type { ImpairmentCommon } from './common.js'
import { duration, fraction } from './params.js'

/** UDP: hold back a fraction of datagrams by delayMs so later ones overtake them. */
export interface ReorderImpairment extends ImpairmentCommon {
  kind: 'reorder'
  rate: number
  /** How long a held-back datagram waits. Default 10 ms. */
  delayMs?: Duration
}

/** Hold back a fraction of datagrams by delayMs, so the ones after them arrive first. */
export const reorder: ImpairmentModule<ReorderImpairment> = {
  kind: 'reorder',
  protocols: ['udp'],
  fields: { rate: true, delayMs: true },
  defaultDirection: 'downstream',
  normalize(input) {
    return {
      ...input,
      rate: fraction('reorder.rate', input.rate),
      delayMs: duration('reorder.delayMs', input.delayMs, 10),
    }
  },
  stage(params, context) {
    const held = new Map<NodeJS.Timeout, Item>()
    return {
      write(item) {
        if (!Buffer.isBuffer(item) || context.random() >= params.rate) {
          context.emit(item)
          return
        }
        context.count('packetsReordered')
        const timer = setTimeout(() => {
          held.delete(timer)
          context.emit(item)
        }, params.delayMs as number)
        held.set(timer, item)
      },
      release() {
        for (const timer of held.keys()) clearTimeout(timer)
        const rest = [...held.values()]
        held.clear()
        return rest
      },
    }
  },
}
