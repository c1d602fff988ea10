import { ImpairmentError } from '../errors.js'
import type { ImpairmentModule } from '../impairment.js'
import type { ImpairmentCommon } from './common.js'
import { fraction, oneOf, positive } from './params.js'

/** UDP: drop datagrams. 'gilbert-elliott' drops in bursts whose mean length is burstLength, at the same average rate. */
export interface LossImpairment extends ImpairmentCommon {
  kind: 'loss'
  rate: number
  model?: 'uniform' | 'gilbert-elliott'
  /** Mean burst length in datagrams for 'gilbert-elliott'. Default 4. */
  burstLength?: number
}

/**
 * Drop datagrams. 'uniform' drops each with probability rate; 'gilbert-elliott' alternates a good state
 * (no loss) and a bad state (all lost) with a mean bad run of burstLength, giving the same average rate.
 */
export const loss: ImpairmentModule<LossImpairment> = {
  kind: 'loss',
  protocols: ['udp'],
  fields: { rate: true, model: true, burstLength: true },
  defaultDirection: 'downstream',
  normalize(input) {
    const burstLength = positive('loss.burstLength', input.burstLength, 4)
    if (burstLength < 1) throw new ImpairmentError('loss.burstLength', burstLength, 'at least 1 datagram')
    return {
      ...input,
      rate: fraction('loss.rate', input.rate),
      model: oneOf('loss.model', input.model, ['uniform', 'gilbert-elliott'], 'uniform'),
      burstLength,
    }
  },
  stage(params, context) {
    const random = context.random
    let lose: () => boolean
    if (params.model === 'gilbert-elliott' && params.rate < 1) {
      const badToGood = 1 / (params.burstLength as number)
      const goodToBad = Math.min(1, (params.rate * badToGood) / (1 - params.rate))
      let bad = false
      lose = () => {
        bad = bad ? random() >= badToGood : random() < goodToBad
        return bad
      }
    } else {
      lose = () => random() < params.rate
    }
    return {
      write(item) {
        if (Buffer.isBuffer(item) && lose()) {
          context.count('packetsDropped')
          context.discard(item)
          return
        }
        context.emit(item)
      },
      release: () => [],
    }
  },
}
