import type { ImpairmentModule } from '../impairment.js'
import { normal } from '../random.js'
import { TimedQueue } from '../timed-queue.js'
import type { Duration } from '../types.js'
import type { ImpairmentCommon } from './common.js'
import { duration, oneOf } from './params.js'

/** Delay each chunk (TCP) or datagram (UDP) by ms +/- jitter; order is preserved. */
export interface LatencyImpairment extends ImpairmentCommon {
  kind: 'latency'
  ms: Duration
  jitterMs?: Duration
  /** How jitter is drawn: 'uniform' in [-jitter, +jitter] (default, as toxiproxy), 'normal' with sd = jitter, 'pareto' a heavy tail above ms. */
  distribution?: 'uniform' | 'normal' | 'pareto'
}

/** Pareto shape: a heavy tail with a finite mean (1.5 x scale). */
const PARETO_ALPHA = 3

/** Delay each chunk or datagram by ms plus jitter, keeping order (a later item never overtakes). */
export const latency: ImpairmentModule<LatencyImpairment> = {
  kind: 'latency',
  protocols: ['tcp', 'udp'],
  fields: { ms: true, jitterMs: true, distribution: true },
  defaultDirection: 'downstream',
  normalize(input) {
    return {
      ...input,
      ms: duration('latency.ms', input.ms),
      jitterMs: duration('latency.jitterMs', input.jitterMs, 0),
      distribution: oneOf(
        'latency.distribution',
        input.distribution,
        ['uniform', 'normal', 'pareto'],
        'uniform',
      ),
    }
  },
  stage(params, context) {
    const base = params.ms as number
    const jitter = params.jitterMs as number
    const random = context.random
    const delay = (): number => {
      if (jitter === 0) return base
      let d: number
      if (params.distribution === 'normal') d = base + normal(random) * jitter
      else if (params.distribution === 'pareto')
        d = base + jitter * ((1 - random()) ** (-1 / PARETO_ALPHA) - 1)
      else d = base + (random() * 2 - 1) * jitter
      return Math.max(d, 0)
    }
    const queue = new TimedQueue(context.emit)
    return {
      write(item) {
        queue.push(item, performance.now() + delay())
      },
      release: () => queue.release(),
    }
  },
}
