import { describe, expect, test } from 'vitest'
import { ImpairmentError } from '../../src/proxy/errors.js'
import { type ActiveImpairment, ImpairmentSet } from '../../src/proxy/impairment-set.js'

/** A set whose listener records every change in order. */
function recordingSet(protocol: 'tcp' | 'udp' = 'tcp') {
  const log: string[] = []
  const set = new ImpairmentSet(protocol, {
    added: (e: ActiveImpairment) => log.push(`+${e.handle.name}`),
    removed: (e: ActiveImpairment) => log.push(`-${e.handle.name}`),
    replaced: (p: ActiveImpairment, n: ActiveImpairment) => log.push(`~${p.handle.name}:${n.handle.id}`),
  })
  return { set, log }
}

describe('ImpairmentSet', () => {
  test('add names, normalizes and tells the listener; ids grow', () => {
    const { set, log } = recordingSet()
    const a = set.add({ kind: 'latency', ms: '2s' })
    const b = set.add({ kind: 'cutoff', afterBytes: 3 })
    expect(a).toMatchObject({
      id: 1,
      name: 'latency_downstream',
      impairment: { ms: 2000, direction: 'downstream' },
    })
    expect(b).toMatchObject({ id: 2, name: 'cutoff_upstream' })
    expect(Object.isFrozen(a.impairment)).toBe(true)
    expect(set.all.map((e) => e.ways)).toEqual([['downstream'], ['upstream']])
    expect(log).toEqual(['+latency_downstream', '+cutoff_upstream'])
  })

  test('set validates everything first: a bad entry leaves the old list and tells nobody', () => {
    const { set, log } = recordingSet()
    set.add({ kind: 'stall', name: 's' })
    log.length = 0
    expect(() =>
      set.set([
        { kind: 'predial', ms: 1 },
        { kind: 'predial', ms: 2 },
      ]),
    ).toThrow('name must be unique among the impairments of a proxy, got "predial"')
    expect(() => set.set([{ kind: 'loss', rate: 0.1 }])).toThrow(ImpairmentError)
    expect(log).toEqual([])
    expect(set.all.map((e) => e.handle.name)).toEqual(['s'])
    const handles = set.set([
      { kind: 'predial', ms: 1 },
      { kind: 'reset', direction: 'both' },
    ])
    expect(handles.map((h) => h.name)).toEqual(['predial', 'reset_both'])
    expect(set.all.find((e) => e.handle.name === 'predial')?.ways).toEqual([])
    expect(log).toEqual(['-s', '+predial', '+reset_both'])
  })

  test('update replaces in place with the same id; remove and clear report what they did', () => {
    const { set, log } = recordingSet('udp')
    set.add({ kind: 'loss', rate: 0.1, name: 'l' })
    set.add({ kind: 'duplicate', rate: 0.2, name: 'd' })
    const updated = set.update('l', { rate: 0.3, model: 'gilbert-elliott' })
    expect(updated).toMatchObject({ id: 1, name: 'l', impairment: { rate: 0.3, model: 'gilbert-elliott' } })
    expect(set.all.map((e) => e.handle.name)).toEqual(['l', 'd'])
    expect(() => set.update('nothing', {})).toThrow(
      'impairment must be the name or handle of an active impairment, got "nothing"',
    )
    expect(set.remove(updated)).toBe(true)
    expect(set.remove('l')).toBe(false)
    set.add({ kind: 'corrupt', rate: 1, name: 'c' })
    set.clear()
    expect(set.all).toEqual([])
    expect(log).toEqual(['+l', '+d', '~l:1', '-l', '+c', '-c', '-d'])
  })

  test('kinds the protocol cannot carry and bad toxicity are refused', () => {
    const { set } = recordingSet('udp')
    expect(() => set.add({ kind: 'cutoff', afterBytes: 1 })).toThrow(
      'kind must be one of the udp impairments (outage, bandwidth, latency, loss, reorder, duplicate, corrupt), got "cutoff"',
    )
    expect(() => set.add({ kind: 'loss', rate: 0.1, toxicity: Number.NaN })).toThrow(
      'loss.toxicity must be a number from 0 to 1, got NaN',
    )
    expect(() => set.add({ kind: 'outage', mode: 'refuse' })).toThrow(
      `outage.mode must be 'blackhole' on a udp proxy, got "refuse"`,
    )
  })
})
