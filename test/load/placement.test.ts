import { describe, expect, test } from 'vitest'
import { Placement } from '../../src/load/placement.js'

describe('Placement', () => {
  test('a stream starts on its own target and fails over around the ring', () => {
    const placement = new Placement(3, { poolFailover: true, quarantineMs: 1000 })
    expect(placement.order(0, 0)).toEqual([0, 1, 2])
    expect(placement.order(4, 0)).toEqual([1, 2, 0])
  })

  test('without poolFailover a stream only tries its own target', () => {
    const placement = new Placement(3, { poolFailover: false, quarantineMs: 1000 })
    placement.failed(2, 0)
    expect(placement.order(2, 10)).toEqual([2])
  })

  test('a failed target goes to the back until its quarantine ends, then comes back', () => {
    const placement = new Placement(3, { poolFailover: true, quarantineMs: 1000 })
    placement.failed(1, 100)
    expect(placement.quarantined(1, 500)).toBe(true)
    expect(placement.order(1, 500)).toEqual([2, 0, 1])
    expect(placement.order(0, 500)).toEqual([0, 2, 1])
    expect(placement.order(1, 1100)).toEqual([1, 2, 0])
  })

  test('quarantine reorders but never refuses: with every target down all are still tried', () => {
    const placement = new Placement(2, { poolFailover: true, quarantineMs: 1000 })
    placement.failed(0, 0)
    placement.failed(1, 0)
    expect(placement.order(0, 10)).toEqual([0, 1])
  })

  test('a success ends quarantine at once; quarantineMs 0 never quarantines', () => {
    const placement = new Placement(2, { poolFailover: true, quarantineMs: 1000 })
    placement.failed(0, 0)
    placement.succeeded(0)
    expect(placement.order(0, 1)).toEqual([0, 1])
    const none = new Placement(2, { poolFailover: true, quarantineMs: 0 })
    none.failed(0, 0)
    expect(none.quarantined(0, 0)).toBe(false)
  })
})
