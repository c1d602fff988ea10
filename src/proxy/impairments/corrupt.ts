import type { ImpairmentModule } from '../impairment.js'
import type { ImpairmentCommon } from './common.js'
import { fraction } from './params.js'

/** UDP: flip one random bit in a fraction of datagrams. */
export interface CorruptImpairment extends ImpairmentCommon {
  kind: 'corrupt'
  rate: number
}

/** Flip one random bit in a fraction of datagrams (on a copy: the received buffer may be shared). */
export const corrupt: ImpairmentModule<CorruptImpairment> = {
  kind: 'corrupt',
  protocols: ['udp'],
  fields: { rate: true },
  defaultDirection: 'downstream',
  normalize(input) {
    return { ...input, rate: fraction('corrupt.rate', input.rate) }
  },
  stage(params, context) {
    return {
      write(item) {
        if (!Buffer.isBuffer(item) || item.length === 0 || context.random() >= params.rate) {
          context.emit(item)
          return
        }
        const copy = Buffer.from(item)
        const bit = Math.floor(context.random() * copy.length * 8)
        copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7))
        context.count('packetsCorrupted')
        context.emit(copy)
      },
      release: () => [],
    }
  },
}
