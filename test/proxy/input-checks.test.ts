import { afterEach, describe, expect, test, vi } from 'vitest'
import { FieldError, MAX_TIMER_MS } from '../../src/errors/field-error.js'
import { createProxy, type Impairment, ImpairmentError, type ImpairmentProxy } from '../../src/proxy/index.js'

const open: ImpairmentProxy[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((proxy) => proxy.close()))
})

/** A TCP proxy in front of a port nobody dials in these tests: input checks need no traffic. */
async function tcpProxy(impairments?: Impairment[]): Promise<ImpairmentProxy> {
  const proxy = await createProxy({ protocol: 'tcp', target: '127.0.0.1:9', impairments })
  open.push(proxy)
  return proxy
}

/** The error `run` throws, which must be an ImpairmentError. */
function thrown(run: () => unknown): ImpairmentError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ImpairmentError)
    return error as ImpairmentError
  }
  throw new Error('expected an ImpairmentError, nothing was thrown')
}

describe('ImpairmentError', () => {
  test('is a FieldError with its own name; NaN prints as NaN', async () => {
    const proxy = await tcpProxy()
    const error = thrown(() => proxy.add({ kind: 'cutoff', afterBytes: Number.NaN }))
    expect(error).toBeInstanceOf(FieldError)
    expect(error.name).toBe('ImpairmentError')
    expect(error.field).toBe('cutoff.afterBytes')
    expect(error.rule).toBe('a whole number >= 0')
    expect(error.message).toBe('cutoff.afterBytes must be a whole number >= 0, got NaN')
  })
})

describe('unknown fields are refused', () => {
  test('in an impairment, with the likely field suggested', async () => {
    const proxy = await tcpProxy()
    const bad = [
      [
        { kind: 'latency', ms: 1, dir: 'upstream' },
        "unknown field 'dir' in latency impairment; did you mean 'direction'?",
        'latency.dir',
      ],
      [
        { kind: 'latency', ms: 1, jiter: 5 },
        "unknown field 'jiter' in latency impairment; did you mean 'jitterMs'?",
        'latency.jiter',
      ],
      [
        { kind: 'bandwidth', bitsPerSecond: 8000, rate: 5 },
        "unknown field 'rate' in bandwidth impairment",
        'bandwidth.rate',
      ],
    ] as const
    for (const [impairment, message, field] of bad) {
      const error = thrown(() => proxy.add(impairment as unknown as Impairment))
      expect(error.message).toContain(message)
      expect(error.field).toBe(field)
    }
    expect(proxy.list()).toEqual([])
  })

  test('in createProxy options, flap options and timeline steps; nothing is left listening', async () => {
    const latency = await createProxy({
      protocol: 'tcp',
      target: '127.0.0.1:9',
      latency: 50,
    } as never).catch((e: unknown) => e)
    expect(latency).toBeInstanceOf(ImpairmentError)
    expect((latency as Error).message).toMatch(
      /^unknown field 'latency' in proxy options; known fields: protocol, target,/,
    )
    await expect(
      createProxy({ protocol: 'tcp', target: '127.0.0.1:9', impairment: [] } as never),
    ).rejects.toThrow("unknown field 'impairment' in proxy options; did you mean 'impairments'?")

    const proxy = await tcpProxy()
    expect(() => proxy.flap({ up: 10, down: 10, cycles: 1, cycle: 3 } as never)).toThrow(
      "unknown field 'cycle' in flap options; did you mean 'cycles'?",
    )
    expect(() => proxy.timeline([{ at: 0, set: [] }, { at: 5, sets: [] } as never])).toThrow(
      "unknown field 'sets' in timeline step 1; did you mean 'set'?",
    )
    expect(() => proxy.timeline([{ at: 0, set: [{ kind: 'predial', ms: 1, mss: 2 } as never] }])).toThrow(
      "timeline[0].set: unknown field 'mss' in predial impairment",
    )
    expect(
      thrown(() =>
        proxy.timeline([
          { at: 0, set: [] },
          {
            at: 5,
            set: [
              { kind: 'latency', ms: 1 },
              { kind: 'latency', ms: -5, name: 'second' },
            ],
          },
        ]),
      ).message,
    ).toBe(
      "timeline[1].set: latency.ms must be a duration: ms >= 0 or a string such as '500ms', '2s', '1m', got -5",
    )
    expect(proxy.list()).toEqual([])
  })

  test("a flap's outage errors name the flap's fields", async () => {
    const proxy = await tcpProxy()
    expect(thrown(() => proxy.flap({ up: 10, down: 10, cycles: 1, mode: 'explode' as never })).message).toBe(
      `flap.mode must be one of 'refuse', 'blackhole', got "explode"`,
    )
    expect(thrown(() => proxy.flap({ up: 10, down: 10, cycles: 1, cutExisting: 1 as never })).field).toBe(
      'flap.cutExisting',
    )
    const udp = await createProxy({ protocol: 'udp', target: '127.0.0.1:9' })
    open.push(udp)
    expect(thrown(() => udp.flap({ up: 10, down: 10, cycles: 1, mode: 'refuse' })).message).toBe(
      `flap.mode must be 'blackhole' on a udp proxy, got "refuse"`,
    )
    expect(proxy.list()).toEqual([])
    expect(udp.list()).toEqual([])
  })

  test('a patch carries only fields of the impairment it changes', async () => {
    const proxy = await tcpProxy([{ kind: 'bandwidth', bitsPerSecond: 8000, name: 'link' }])
    const kind = thrown(() => proxy.update('link', { kind: 'latency', ms: 5 }))
    expect(kind.field).toBe('kind')
    expect(kind.message).toBe(
      `kind must be 'bandwidth', the kind of 'link' (remove it and add a new one), got "latency"`,
    )
    expect(thrown(() => proxy.update('link', { ms: 5 } as never)).message).toContain(
      "unknown field 'ms' in bandwidth impairment 'link'",
    )
    expect(thrown(() => proxy.update('link', { name: 'other' })).field).toBe('name')
    // The refused patches left the impairment as it was; a proper one applies.
    expect(proxy.list()[0]?.impairment).toMatchObject({ kind: 'bandwidth', bitsPerSecond: 8000 })
    expect(proxy.update('link', { bitsPerSecond: 16_000, direction: 'both' }).impairment).toMatchObject({
      kind: 'bandwidth',
      bitsPerSecond: 16_000,
      direction: 'both',
    })
  })
})

describe('durations longer than a timer can wait are refused', () => {
  const tooLong = 3e9
  const limit = `at most ${MAX_TIMER_MS} ms`
  const impairments: [Impairment, string][] = [
    [{ kind: 'predial', ms: tooLong }, 'predial.ms'],
    [{ kind: 'latency', ms: tooLong }, 'latency.ms'],
    [{ kind: 'latency', ms: 1, jitterMs: tooLong }, 'latency.jitterMs'],
    [{ kind: 'stall', timeoutMs: tooLong }, 'stall.timeoutMs'],
    [{ kind: 'reset', timeoutMs: tooLong }, 'reset.timeoutMs'],
    [{ kind: 'slowClose', delayMs: '900h' }, 'slowClose.delayMs'],
  ]

  test.each(impairments)('%j names %s and the limit', async (impairment, field) => {
    const proxy = await tcpProxy()
    const error = thrown(() => proxy.add(impairment))
    expect(error.field).toBe(field)
    expect(error.message).toContain(limit)
  })

  test('the gap between slicer pieces (µs) has the same limit', async () => {
    const proxy = await tcpProxy()
    expect(thrown(() => proxy.add({ kind: 'slicer', averageSize: 10, delayUs: 3e12 })).message).toBe(
      `slicer.delayUs must be at most ${MAX_TIMER_MS * 1000} µs (${MAX_TIMER_MS} ms, the longest timer), got 3000000000000`,
    )
    expect(
      proxy.add({ kind: 'slicer', averageSize: 10, delayUs: MAX_TIMER_MS * 1000 }).impairment,
    ).toMatchObject({ delayUs: MAX_TIMER_MS * 1000 })
  })

  test('schedules and proxy options too, and no timer overflow warning is printed', async () => {
    const warn = vi.spyOn(process, 'emitWarning')
    try {
      const proxy = await tcpProxy()
      expect(thrown(() => proxy.flap({ up: tooLong, down: 10, cycles: 1 })).message).toBe(
        `flap.up must be ${limit} (about 24.8 days, the longest timer), got 3000000000`,
      )
      expect(thrown(() => proxy.flap({ up: 10, down: '900h', cycles: 1 })).field).toBe('flap.down')
      expect(thrown(() => proxy.timeline([{ at: tooLong, set: [] }])).field).toBe('timeline[0].at')
      await expect(
        createProxy({ protocol: 'udp', target: '127.0.0.1:9', idleTimeout: tooLong }),
      ).rejects.toThrow(`idleTimeout must be ${limit}`)
      // The limit itself is a valid duration.
      expect(proxy.add({ kind: 'predial', ms: MAX_TIMER_MS }).impairment).toMatchObject({ ms: MAX_TIMER_MS })
      expect(warn).not.toHaveBeenCalled()
    } finally {
      warn.mockRestore()
    }
  })
})
