import { describe, expect, test } from 'vitest'
import { Placement } from '../../src/load/placement.js'
import { TargetHealth } from '../../src/load/target-health.js'

function setup(targets: number, poolFailover = true) {
  const health = new TargetHealth(TargetHealth.allocate(targets))
  return { health, placement: new Placement(targets, { poolFailover }, health) }
}

/** Every target a stream's attempts take, when each attempt fails. */
function path(placement: Placement, stream: number, now: number): number[] {
  const taken: number[] = []
  let previous = -1
  for (let attempt = 0; attempt < placement.attempts; attempt++) {
    previous = placement.target(stream, attempt, previous, now)
    taken.push(previous)
  }
  return taken
}

describe('Placement', () => {
  test('a stream starts on its own target; retries spread over the others by stream / targets', () => {
    const { placement } = setup(3)
    expect(placement.attempts).toBe(3)
    expect(path(placement, 0, 0)).toEqual([0, 1, 2])
    expect(path(placement, 4, 0)).toEqual([1, 2, 0])
    expect(path(placement, 7, 0)).toEqual([1, 0, 2])
  })

  test('without poolFailover a stream gets one attempt on its own target, quarantined or not', () => {
    const { placement, health } = setup(3, false)
    health.quarantine(2, 0, 1000)
    expect(placement.attempts).toBe(1)
    expect(placement.target(2, 0, -1, 10)).toBe(2)
  })

  test('a quarantined target is skipped, not tried last, until its quarantine ends', () => {
    const { placement, health } = setup(3)
    health.quarantine(1, 100, 1000)
    expect(health.quarantined(1, 500)).toBe(true)
    expect(path(placement, 1, 500)).toEqual([0, 2, 0])
    expect(path(placement, 0, 500)).toEqual([0, 2, 0])
    expect(path(placement, 4, 500)).toEqual([2, 0, 2])
    expect(path(placement, 1, 1100)).toEqual([1, 0, 2])
  })

  test('quarantine never refuses to try: with every target out, the stream still tries one', () => {
    const { placement, health } = setup(2)
    health.quarantine(0, 0, 1000)
    health.quarantine(1, 0, 1000)
    expect(path(placement, 0, 10)).toEqual([0, 1])
    expect(path(placement, 3, 10)).toEqual([1, 0])
  })

  test('a longer quarantine is never shortened; ttl 0 never quarantines', () => {
    const { health } = setup(2)
    health.quarantine(0, 0, 300_000)
    health.quarantine(0, 10, 1000)
    expect(health.quarantined(0, 200_000)).toBe(true)
    health.quarantine(1, 0, 0)
    expect(health.quarantined(1, 0)).toBe(false)
  })

  test('the quarantine is shared: a second view over the same memory sees it', () => {
    const buffer = TargetHealth.allocate(2)
    new TargetHealth(buffer).quarantine(1, 1000, 500)
    const other = new TargetHealth(buffer)
    expect(other.quarantined(1, 1200)).toBe(true)
    expect(other.quarantined(1, 1600)).toBe(false)
  })
})
