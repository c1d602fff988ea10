import { rejectUnknownKeys } from '../errors/field-error.js'
import { ImpairmentError } from './errors.js'
import type { ImpairmentModule, Way } from './impairment.js'
import { IMPAIRMENT_MODULES } from './impairments/index.js'
import { fraction, oneOf } from './impairments/params.js'
import type { Direction, Impairment, ImpairmentHandle, ProxyProtocol } from './types.js'

/** An impairment in force on a proxy. */
export interface ActiveImpairment {
  readonly handle: ImpairmentHandle
  readonly module: ImpairmentModule
  /** Normalized: defaults filled, durations in ms. */
  readonly params: Impairment
  /** Ways it acts on; empty for connection-level impairments. */
  readonly ways: readonly Way[]
  readonly toxicity: number
}

/** Told about every change, so live connections follow it at once. */
export interface ImpairmentListener {
  added(entry: ActiveImpairment): void
  removed(entry: ActiveImpairment): void
  replaced(previous: ActiveImpairment, next: ActiveImpairment): void
}

/** Fields every impairment may carry, whatever its kind. */
const COMMON_FIELDS = ['kind', 'name', 'direction', 'toxicity'] as const

/** Every field an impairment of this module's kind may carry. */
function knownFields(module: ImpairmentModule): string[] {
  return [...COMMON_FIELDS, ...Object.keys(module.fields)]
}

const WAYS: Record<Direction, readonly Way[]> = {
  upstream: ['upstream'],
  downstream: ['downstream'],
  both: ['upstream', 'downstream'],
}

/** The ordered list of a proxy's impairments: validates, names and hands out handles. */
export class ImpairmentSet {
  private entries: ActiveImpairment[] = []
  private nextId = 1

  constructor(
    private readonly protocol: ProxyProtocol,
    private readonly listener: ImpairmentListener,
  ) {}

  /** Active impairments in the order they apply. */
  get all(): readonly ActiveImpairment[] {
    return this.entries
  }

  /** Validate and add one impairment. */
  add(input: Impairment): ImpairmentHandle {
    const entry = this.prepare(input, this.nextId)
    this.assertFreeName(entry.handle.name, this.entries)
    this.nextId++
    this.entries.push(entry)
    this.listener.added(entry)
    return entry.handle
  }

  /** Validate all, then replace the whole list: a bad entry leaves the old list untouched. */
  set(inputs: Impairment[]): ImpairmentHandle[] {
    if (!Array.isArray(inputs)) throw new ImpairmentError('impairments', inputs, 'an array of impairments')
    const prepared: ActiveImpairment[] = []
    inputs.forEach((input, index) => {
      const entry = this.prepare(input, this.nextId + index)
      this.assertFreeName(entry.handle.name, prepared)
      prepared.push(entry)
    })
    this.nextId += prepared.length
    this.clear()
    for (const entry of prepared) {
      this.entries.push(entry)
      this.listener.added(entry)
    }
    return prepared.map((entry) => entry.handle)
  }

  /** Change fields of one impairment in place; kind and name stay. */
  update(ref: ImpairmentHandle | string, patch: Partial<Impairment>): ImpairmentHandle {
    const index = this.indexOf(ref)
    const previous = this.entries[index]
    if (!previous)
      throw new ImpairmentError('impairment', refName(ref), 'the name or handle of an active impairment')
    if (!patch || typeof patch !== 'object' || Array.isArray(patch))
      throw new ImpairmentError('patch', patch, 'an object of the fields to change')
    const { kind } = previous.params
    const name = previous.handle.name
    // A patch changes values, never what the impairment is: another kind would be another impairment.
    if (patch.kind !== undefined && patch.kind !== kind)
      throw new ImpairmentError(
        'kind',
        patch.kind,
        `'${kind}', the kind of '${name}' (remove it and add a new one)`,
      )
    if (patch.name !== undefined && patch.name !== name)
      throw new ImpairmentError('name', patch.name, `'${name}' (an impairment keeps its name)`)
    rejectUnknownKeys(
      patch,
      knownFields(previous.module),
      `${kind} impairment '${name}'`,
      ImpairmentError,
      `${kind}.`,
    )
    const merged = {
      ...previous.params,
      ...patch,
      kind: previous.params.kind,
      name: previous.handle.name,
    } as Impairment
    const next = this.prepare(merged, previous.handle.id)
    this.entries[index] = next
    this.listener.replaced(previous, next)
    return next.handle
  }

  /** Remove one impairment; false when it is not active. */
  remove(ref: ImpairmentHandle | string): boolean {
    const index = this.indexOf(ref)
    const entry = this.entries[index]
    if (!entry) return false
    this.entries.splice(index, 1)
    this.listener.removed(entry)
    return true
  }

  /** Remove everything, last first. */
  clear(): void {
    while (this.entries.length > 0) {
      const entry = this.entries.pop() as ActiveImpairment
      this.listener.removed(entry)
    }
  }

  private indexOf(ref: ImpairmentHandle | string): number {
    if (typeof ref === 'string') return this.entries.findIndex((entry) => entry.handle.name === ref)
    return this.entries.findIndex((entry) => entry.handle.id === ref?.id)
  }

  private assertFreeName(name: string, among: readonly ActiveImpairment[]): void {
    if (among.some((entry) => entry.handle.name === name)) {
      throw new ImpairmentError('name', name, 'unique among the impairments of a proxy')
    }
  }

  private prepare(input: Impairment, id: number): ActiveImpairment {
    if (!input || typeof input !== 'object')
      throw new ImpairmentError('impairment', input, 'an object with a kind')
    const module = (IMPAIRMENT_MODULES as Record<string, ImpairmentModule | undefined>)[input.kind]
    const kinds = Object.values(IMPAIRMENT_MODULES)
      .filter((m) => m.protocols.includes(this.protocol))
      .map((m) => m.kind)
    if (!module?.protocols.includes(this.protocol)) {
      throw new ImpairmentError(
        'kind',
        input.kind,
        `one of the ${this.protocol} impairments (${kinds.join(', ')})`,
      )
    }
    const kind = input.kind
    rejectUnknownKeys(input, knownFields(module), `${kind} impairment`, ImpairmentError, `${kind}.`)
    const params = module.normalize(input, this.protocol)
    let ways: readonly Way[] = []
    let direction: Direction | undefined
    if (module.defaultDirection) {
      direction = oneOf(
        `${kind}.direction`,
        input.direction,
        ['upstream', 'downstream', 'both'],
        module.defaultDirection,
      )
      ways = WAYS[direction]
      params.direction = direction
    }
    const toxicity = fraction(`${kind}.toxicity`, input.toxicity, 1)
    params.toxicity = toxicity
    const name = input.name ?? (direction ? `${kind}_${direction}` : kind)
    if (typeof name !== 'string' || name.length === 0) {
      throw new ImpairmentError(`${kind}.name`, input.name, 'a non-empty string')
    }
    params.name = name
    const handle: ImpairmentHandle = Object.freeze({ id, name, impairment: Object.freeze(params) })
    return { handle, module, params, ways, toxicity }
  }
}

function refName(ref: ImpairmentHandle | string): unknown {
  return typeof ref === 'string' ? ref : ref?.name
}
