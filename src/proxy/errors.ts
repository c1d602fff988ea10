import { describeValue, FieldError } from '../errors/field-error.js'

/** A value as the proxy's messages print it: strings in JSON quotes, as the control APIs echo them; NaN by name. */
function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : describeValue(value)
}

/** A bad impairment or proxy option: names the field, the value and the rule it broke. */
export class ImpairmentError extends FieldError {
  constructor(field: string, value: unknown, rule: string, message?: string) {
    super(field, value, rule, message ?? `${field} must be ${rule}, got ${describe(value)}`)
    this.name = 'ImpairmentError'
  }
}
