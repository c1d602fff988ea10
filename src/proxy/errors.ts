/** A bad impairment or proxy option: names the field, the value and the rule it broke. */
export class ImpairmentError extends TypeError {
  readonly field: string
  readonly value: unknown

  constructor(field: string, value: unknown, rule: string) {
    super(`${field} must be ${rule}, got ${describe(value)}`)
    this.name = 'ImpairmentError'
    this.field = field
    this.value = value
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (value === undefined) return 'undefined'
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}
