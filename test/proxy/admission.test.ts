import { describe, expect, test } from 'vitest'
import { admission, existingVerdict } from '../../src/proxy/admission.js'
import { type ActiveImpairment, ImpairmentSet } from '../../src/proxy/impairment-set.js'
import type { Impairment } from '../../src/proxy/types.js'

const SEED = 42

/** The active impairments a proxy of `protocol` would hold for `list`. */
function active(list: Impairment[], protocol: 'tcp' | 'udp' = 'tcp'): readonly ActiveImpairment[] {
  const set = new ImpairmentSet(protocol, { added() {}, removed() {}, replaced() {} })
  set.set(list)
  return set.all
}

describe('admission', () => {
  test('with nothing connection-level in force, a connection is admitted at once', () => {
    const entries = active([
      { kind: 'latency', ms: 50 },
      { kind: 'cutoff', afterBytes: 10 },
    ])
    expect(admission(SEED, 1, entries)).toEqual({ verdict: 'admit', delayMs: 0 })
    expect(admission(SEED, 1, [])).toEqual({ verdict: 'admit', delayMs: 0 })
  })

  test('predial delays add up', () => {
    const entries = active([
      { kind: 'predial', ms: 30, name: 'a' },
      { kind: 'latency', ms: 5 },
      { kind: 'predial', ms: '1s', name: 'b' },
    ])
    expect(admission(SEED, 1, entries)).toEqual({ verdict: 'admit', delayMs: 1030 })
  })

  test('the first refuse or blackhole wins, in impairment order', () => {
    const refuseFirst = active([
      { kind: 'predial', ms: 30 },
      { kind: 'outage', mode: 'refuse', name: 'down' },
      { kind: 'outage', mode: 'blackhole', name: 'hole' },
    ])
    expect(admission(SEED, 1, refuseFirst)).toEqual({ verdict: 'refuse' })
    const blackholeFirst = active([
      { kind: 'outage', mode: 'blackhole', name: 'hole' },
      { kind: 'outage', mode: 'refuse', name: 'down' },
    ])
    expect(admission(SEED, 1, blackholeFirst)).toEqual({ verdict: 'blackhole' })
    // A UDP outage can only blackhole.
    expect(admission(SEED, 1, active([{ kind: 'outage' }], 'udp'))).toEqual({ verdict: 'blackhole' })
  })

  test('toxicity picks the connections an impairment decides for, the same way every time', () => {
    const never = active([
      { kind: 'outage', toxicity: 0 },
      { kind: 'predial', ms: 7, toxicity: 0 },
    ])
    for (let id = 1; id <= 50; id++)
      expect(admission(SEED, id, never)).toEqual({ verdict: 'admit', delayMs: 0 })
    const half = active([{ kind: 'outage', toxicity: 0.5 }])
    const refused = (seed: number) =>
      Array.from({ length: 200 }, (_, i) => admission(seed, i + 1, half).verdict === 'refuse')
    const picks = refused(SEED)
    const count = picks.filter(Boolean).length
    // Seeded, so the count is fixed; the bounds check that toxicity 0.5 picks about half.
    expect(count).toBeGreaterThan(60)
    expect(count).toBeLessThan(140)
    expect(refused(SEED)).toEqual(picks)
  })
})

describe('existingVerdict', () => {
  test('only an outage with cutExisting touches open connections', () => {
    const [latency, keep, close, silence] = active([
      { kind: 'latency', ms: 5 },
      { kind: 'outage', name: 'keep' },
      { kind: 'outage', name: 'close', cutExisting: true },
      { kind: 'outage', name: 'silence', mode: 'blackhole', cutExisting: true },
    ])
    expect(existingVerdict(SEED, 1, latency!)).toBe('keep')
    expect(existingVerdict(SEED, 1, keep!)).toBe('keep')
    expect(existingVerdict(SEED, 1, close!)).toBe('close')
    expect(existingVerdict(SEED, 1, silence!)).toBe('blackhole')
    const spared = active([{ kind: 'outage', cutExisting: true, toxicity: 0 }])[0]!
    expect(existingVerdict(SEED, 1, spared)).toBe('keep')
  })
})
