import { MAX_TIMER_MS } from '../../errors/field-error.js'
import { ImpairmentError } from '../errors.js'
import type { ImpairmentModule } from '../impairment.js'
import { TimedQueue } from '../timed-queue.js'
import type { ImpairmentCommon } from './common.js'
import { integer } from './params.js'

/** TCP: split data into pieces of averageSize +/- sizeVariation bytes, delayUs apart, as toxiproxy's slicer. */
export interface SlicerImpairment extends ImpairmentCommon {
  kind: 'slicer'
  averageSize: number
  sizeVariation?: number
  delayUs?: number
}

/** Cut chunks into pieces of averageSize +/- sizeVariation bytes sent delayUs apart, as toxiproxy's slicer. */
export const slicer: ImpairmentModule<SlicerImpairment> = {
  kind: 'slicer',
  protocols: ['tcp'],
  fields: { averageSize: true, sizeVariation: true, delayUs: true },
  defaultDirection: 'downstream',
  normalize(input) {
    const averageSize = integer('slicer.averageSize', input.averageSize, 1)
    const sizeVariation = integer('slicer.sizeVariation', input.sizeVariation, 0, 0)
    if (sizeVariation >= averageSize) {
      throw new ImpairmentError(
        'slicer.sizeVariation',
        sizeVariation,
        `less than averageSize (${averageSize})`,
      )
    }
    const delayUs = integer('slicer.delayUs', input.delayUs, 0, 0)
    // The gap between pieces ends up in a timer, like every other proxy duration.
    if (delayUs > MAX_TIMER_MS * 1000) {
      throw new ImpairmentError(
        'slicer.delayUs',
        delayUs,
        `at most ${MAX_TIMER_MS * 1000} µs (${MAX_TIMER_MS} ms, the longest timer)`,
      )
    }
    return { ...input, averageSize, sizeVariation, delayUs }
  },
  stage(params, context) {
    const queue = new TimedQueue(context.emit)
    const delayMs = (params.delayUs as number) / 1000
    const variation = params.sizeVariation as number
    return {
      write(item) {
        let at = Math.max(performance.now(), queue.tail)
        if (!Buffer.isBuffer(item)) {
          queue.push(item, at)
          return
        }
        let offset = 0
        while (offset < item.length) {
          const size = params.averageSize + Math.round((context.random() * 2 - 1) * variation)
          queue.push(item.subarray(offset, offset + size), at)
          offset += size
          at += delayMs
        }
      },
      release: () => queue.release(),
    }
  },
}
