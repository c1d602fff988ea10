// Shape checks on decoded JSON request bodies, so a bad field is refused with a 400 naming it.
import { ControlError } from './http.js'

/** A decoded JSON object. */
export type JsonObject = Record<string, unknown>

/** Requires `value` to be a JSON object whose keys are all in `allowed`; `what` names it in errors. */
export function expectObject(value: unknown, what: string, allowed: readonly string[]): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ControlError(
      400,
      `bad request body: ${what} must be a JSON object, got ${JSON.stringify(value) ?? 'nothing'}`,
    )
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new ControlError(
        400,
        `bad request body: unknown field ${JSON.stringify(key)} in ${what}; allowed: ${allowed.join(', ')}`,
      )
    }
  }
  return value as JsonObject
}

/** Reads an optional string field. */
export function optionalString(body: JsonObject, field: string): string | undefined {
  const value = body[field]
  if (value === undefined) return undefined
  if (typeof value !== 'string')
    throw new ControlError(400, `bad request body: ${field} must be a string, got ${JSON.stringify(value)}`)
  return value
}

/** Reads an optional boolean field. */
export function optionalBoolean(body: JsonObject, field: string): boolean | undefined {
  const value = body[field]
  if (value === undefined) return undefined
  if (typeof value !== 'boolean')
    throw new ControlError(
      400,
      `bad request body: ${field} must be true or false, got ${JSON.stringify(value)}`,
    )
  return value
}
