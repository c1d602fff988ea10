import { afterEach, describe, expect, test, vi } from 'vitest'
import { MAX_TIMER_MS } from '../../src/errors/field-error.js'
import type { Item } from '../../src/proxy/impairment.js'
import { TimedQueue } from '../../src/proxy/timed-queue.js'
import { until } from '../helpers/wait.js'

const text = (items: Item[]) => items.map((item) => (Buffer.isBuffer(item) ? item.toString() : item.signal))

describe('TimedQueue', () => {
  test('an item already due passes at once; later ones wait', () => {
    const out: Item[] = []
    const queue = new TimedQueue((item) => out.push(item))
    const now = performance.now()
    queue.push(Buffer.from('now'), now - 1)
    expect(text(out)).toEqual(['now'])
    queue.push(Buffer.from('later'), now + 60_000)
    expect(out.length).toBe(1)
    expect(queue.size).toBe(1)
    expect(text(queue.release())).toEqual(['later'])
    expect(queue.size).toBe(0)
  })

  test('order is kept: an item due earlier never overtakes one pushed before it', async () => {
    const out: Item[] = []
    const queue = new TimedQueue((item) => out.push(item))
    const now = performance.now()
    queue.push(Buffer.from('a'), now + 20)
    queue.push(Buffer.from('b'), now) // due earlier, but behind a
    queue.push({ signal: 'fin' }, now + 5)
    expect(out).toEqual([])
    expect(queue.tail).toBe(now + 20)
    expect(await until(() => out.length === 3, 2000)).toBe(true)
    expect(text(out)).toEqual(['a', 'b', 'fin'])
  })

  test('nothing leaves before its due time (checked when it leaves, by the clock, not by a wait)', async () => {
    const leftEarly: number[] = []
    const dues: number[] = []
    let emitted = 0
    const queue = new TimedQueue((item) => {
      const due = dues[emitted++] as number
      // TimedQueue's tolerance: an item may leave up to 0.5 ms before its due time.
      if (performance.now() < due - 0.5) leftEarly.push(Number((item as Buffer).toString()))
    })
    const start = performance.now()
    for (let i = 0; i < 20; i++) {
      dues.push(start + 2 + i)
      queue.push(Buffer.from(String(i)), start + 2 + i)
    }
    expect(await until(() => emitted === 20, 2000)).toBe(true)
    expect(leftEarly).toEqual([])
  })

  test('release cancels the timer: nothing is emitted afterwards', async () => {
    let emitted = 0
    const queue = new TimedQueue(() => emitted++)
    queue.push(Buffer.from('x'), performance.now() + 5)
    expect(queue.release().length).toBe(1)
    // Well past the due time, the released item has not been emitted.
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(emitted).toBe(0)
  })

  describe('on a fake clock', () => {
    afterEach(() => {
      vi.useRealTimers()
    })

    test('items leave exactly when due, counted step by step', () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
      const out: string[] = []
      const queue = new TimedQueue((item) => out.push((item as Buffer).toString()))
      const start = performance.now()
      for (let i = 1; i <= 20; i++) queue.push(Buffer.from(String(i)), start + i * 10)
      expect(out).toEqual([])
      vi.advanceTimersByTime(95)
      expect(out).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9'])
      vi.advanceTimersByTime(10)
      expect(out.length).toBe(10)
      vi.advanceTimersByTime(100)
      expect(out).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 1)))
      expect(queue.size).toBe(0)
    })

    test('a due time beyond the longest timer waits in clamped steps instead of spinning', () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
      const delays: number[] = []
      const fakeSetTimeout = globalThis.setTimeout
      const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((
        callback: () => void,
        ms?: number,
      ) => {
        delays.push(ms ?? 0)
        return fakeSetTimeout(callback, ms)
      }) as typeof setTimeout)
      try {
        let emitted = 0
        const queue = new TimedQueue(() => emitted++)
        const due = performance.now() + MAX_TIMER_MS + 1000
        queue.push(Buffer.from('far'), due)
        // A longer delay would fire after 1 ms and re-arm every ms until due.
        vi.advanceTimersByTime(1000)
        expect(emitted).toBe(0)
        expect(delays).toEqual([MAX_TIMER_MS])
        vi.advanceTimersByTime(MAX_TIMER_MS)
        expect(emitted).toBe(1)
        expect(delays.length).toBe(2)
        expect(Math.max(...delays)).toBeLessThanOrEqual(MAX_TIMER_MS)
      } finally {
        spy.mockRestore()
      }
    })
  })
})
