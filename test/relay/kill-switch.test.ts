import { describe, expect, test } from 'vitest'
import { KillSwitch } from '../../src/relay/kill-switch.js'

describe('KillSwitch', () => {
  test('fire cuts every attempt still joined, once, and not those that left', () => {
    const kill = new KillSwitch()
    const cut: string[] = []
    kill.join(() => cut.push('a'))
    const leave = kill.join(() => cut.push('b'))
    kill.join(() => cut.push('c'))
    leave()
    expect(kill.killed).toBe(false)
    kill.fire()
    kill.fire()
    expect(kill.killed).toBe(true)
    expect(cut).toEqual(['a', 'c'])
  })
})
