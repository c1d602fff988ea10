import type { ImpairmentModule } from '../impairment.js'
import { TimedQueue } from '../timed-queue.js'
import type { Duration } from '../types.js'
import type { ImpairmentCommon } from './common.js'
import { duration } from './params.js'

/** TCP: delay the close (FIN) by delayMs after the data, as toxiproxy's slow_close. */
export interface SlowCloseImpairment extends ImpairmentCommon {
  kind: 'slowClose'
  delayMs: Duration
}

/** Hold the close (FIN or an impairment's close) for delayMs after the data, as toxiproxy's slow_close. */
export const slowClose: ImpairmentModule<SlowCloseImpairment> = {
  kind: 'slowClose',
  protocols: ['tcp'],
  fields: { delayMs: true },
  defaultDirection: 'downstream',
  normalize(input) {
    return { ...input, delayMs: duration('slowClose.delayMs', input.delayMs) }
  },
  stage(params, context) {
    const queue = new TimedQueue(context.emit)
    return {
      write(item) {
        const now = performance.now()
        queue.push(item, Buffer.isBuffer(item) ? now : now + (params.delayMs as number))
      },
      release: () => queue.release(),
    }
  },
}
