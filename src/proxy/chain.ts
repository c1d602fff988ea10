import type { Item, Stage } from './impairment.js'

interface Slot {
  readonly id: number
  stage: Stage
  next: (item: Item) => void
}

/**
 * The stages of one way of a connection, in impairment order, ending at the destination.
 * Stages can be added, replaced and removed while bytes flow: what a removed stage held
 * goes on to its successor, so nothing is lost and order is kept.
 */
export class Chain {
  private slots: Slot[] = []
  private entry: (item: Item) => void

  constructor(private readonly sink: (item: Item) => void) {
    this.entry = sink
  }

  /** Stages in force. */
  get size(): number {
    return this.slots.length
  }

  /** Feed an item in at the head. */
  readonly write = (item: Item): void => {
    this.entry(item)
  }

  /** Append a stage; `create` gets the function through which the stage passes items on. */
  add(id: number, create: (emit: (item: Item) => void) => Stage): void {
    const slot = this.makeSlot(id, create)
    this.slots.push(slot)
    this.link()
  }

  /** Swap a stage for a new one in the same place; the old one's items go through the new one. */
  replace(id: number, create: (emit: (item: Item) => void) => Stage): void {
    const index = this.slots.findIndex((slot) => slot.id === id)
    const old = this.slots[index]
    if (!old) {
      this.add(id, create)
      return
    }
    const held = old.stage.release()
    old.next = () => {}
    const slot = this.makeSlot(id, create)
    this.slots[index] = slot
    this.link()
    for (const item of held) slot.stage.write(item)
  }

  /** Remove a stage; what it held continues to its successor. */
  remove(id: number): void {
    const index = this.slots.findIndex((slot) => slot.id === id)
    const slot = this.slots[index]
    if (!slot) return
    const held = slot.stage.release()
    slot.next = () => {}
    this.slots.splice(index, 1)
    this.link()
    const successor = this.slots[index]
    const forward = successor ? successor.stage.write : this.sink
    for (const item of held) forward(item)
  }

  /** Stop every stage and return what they held, nearest the destination first (oldest first). */
  drop(): Item[] {
    const held: Item[] = []
    for (let i = this.slots.length - 1; i >= 0; i--) {
      const slot = this.slots[i] as Slot
      slot.next = () => {}
      held.push(...slot.stage.release())
    }
    this.slots = []
    this.entry = () => {}
    return held
  }

  private makeSlot(id: number, create: (emit: (item: Item) => void) => Stage): Slot {
    const slot: Slot = { id, stage: { write: () => {}, release: () => [] }, next: this.sink }
    slot.stage = create((item) => slot.next(item))
    return slot
  }

  private link(): void {
    for (let i = 0; i < this.slots.length; i++) {
      const successor = this.slots[i + 1]
      ;(this.slots[i] as Slot).next = successor ? successor.stage.write : this.sink
    }
    this.entry = this.slots[0] ? this.slots[0].stage.write : this.sink
  }
}
