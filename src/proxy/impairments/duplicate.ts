import type { ImpairmentModule } from '../impairment.js'
import type { ImpairmentCommon } from './common.js'
import { fraction } from './params.js'

/** UDP: send a fraction of datagrams twice. */
export interface DuplicateImpairment extends ImpairmentCommon {
  kind: 'duplicate'
  rate: number
}

/** Send a fraction of datagrams twice. */
export const duplicate: ImpairmentModule<DuplicateImpairment> = {
  kind: 'duplicate',
  protocols: ['udp'],
  fields: { rate: true },
  defaultDirection: 'downstream',
  normalize(input) {
    return { ...input, rate: fraction('duplicate.rate', input.rate) }
  },
  stage(params, context) {
    return {
      write(item) {
        context.emit(item)
        if (Buffer.isBuffer(item) && context.random() < params.rate) {
          context.count('packetsDuplicated')
          context.emit(item)
        }
      },
      release: () => [],
    }
  },
}
