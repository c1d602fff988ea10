import { describe, expect, test } from 'vitest'
import { Chain } from '../../src/proxy/chain.js'
import type { Item, Stage } from '../../src/proxy/impairment.js'

/** A stage that tags each buffer with its letter, or holds everything while `holding`. */
function tagger(letter: string, emit: (item: Item) => void, log: string[], holding = false): Stage {
  const held: Item[] = []
  return {
    write(item) {
      if (holding) {
        held.push(item)
        return
      }
      emit(Buffer.isBuffer(item) ? Buffer.concat([item, Buffer.from(letter)]) : item)
    },
    release() {
      log.push(`release ${letter}`)
      return held.splice(0)
    },
  }
}

const text = (items: Item[]) => items.map((item) => (Buffer.isBuffer(item) ? item.toString() : item.signal))

describe('Chain', () => {
  test('stages apply in the order they were added, then the sink', () => {
    const out: Item[] = []
    const log: string[] = []
    const chain = new Chain((item) => out.push(item))
    chain.write(Buffer.from('0'))
    chain.add(1, (emit) => tagger('a', emit, log))
    chain.add(2, (emit) => tagger('b', emit, log))
    chain.write(Buffer.from('1'))
    chain.write({ signal: 'fin' })
    expect(text(out)).toEqual(['0', '1ab', 'fin'])
    expect(chain.size).toBe(2)
  })

  test('removing a holding stage passes what it held to its successor, in order', () => {
    const out: Item[] = []
    const log: string[] = []
    const chain = new Chain((item) => out.push(item))
    chain.add(1, (emit) => tagger('h', emit, log, true))
    chain.add(2, (emit) => tagger('z', emit, log))
    chain.write(Buffer.from('1'))
    chain.write(Buffer.from('2'))
    expect(out).toEqual([])
    chain.remove(1)
    chain.write(Buffer.from('3'))
    expect(text(out)).toEqual(['1z', '2z', '3z'])
    expect(log).toEqual(['release h'])
    chain.remove(99) // unknown id: nothing happens
    expect(chain.size).toBe(1)
  })

  test('replace keeps the place and sends the old stage’s items through the new one', () => {
    const out: Item[] = []
    const log: string[] = []
    const chain = new Chain((item) => out.push(item))
    chain.add(1, (emit) => tagger('a', emit, log))
    chain.add(2, (emit) => tagger('h', emit, log, true))
    chain.add(3, (emit) => tagger('c', emit, log))
    chain.write(Buffer.from('1'))
    chain.replace(2, (emit) => tagger('B', emit, log))
    chain.write(Buffer.from('2'))
    expect(text(out)).toEqual(['1aBc', '2aBc'])
    // Replacing an id that is not there appends it.
    chain.replace(4, (emit) => tagger('d', emit, log))
    chain.write(Buffer.from('3'))
    expect(text(out).at(-1)).toBe('3aBcd')
  })

  test('drop returns what every stage held, nearest the sink first, and stops the chain', () => {
    const out: Item[] = []
    const log: string[] = []
    const chain = new Chain((item) => out.push(item))
    chain.add(1, (emit) => tagger('p', emit, log))
    chain.add(2, (emit) => tagger('y', emit, log, true))
    chain.write(Buffer.from('early'))
    // The head now holds too: 'late' waits in front of 'early'.
    chain.replace(1, (emit) => tagger('x', emit, log, true))
    chain.write(Buffer.from('late'))
    const held = chain.drop()
    expect(log).toEqual(['release p', 'release y', 'release x'])
    expect(text(held)).toEqual(['earlyp', 'late'])
    chain.write(Buffer.from('after'))
    expect(out).toEqual([])
    expect(chain.size).toBe(0)
  })
})
