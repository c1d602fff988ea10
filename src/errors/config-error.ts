import { FieldError } from './field-error.js'

/** The error every invalid run config (load, targets, later traffic and pipeline) rejects with. */
export class ConfigError extends FieldError {
  constructor(field: string, value: unknown, rule: string, message?: string) {
    super(field, value, rule, message)
    this.name = 'ConfigError'
  }
}
