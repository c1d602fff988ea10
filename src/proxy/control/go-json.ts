// Request bodies read the way toxiproxy's Go decoder reads them, so every client that works against
// toxiproxy works here: keys match case-insensitively, unknown keys are ignored, null leaves a field as
// it was, and a value of the wrong JSON type is refused with Go's own wording.

import { ControlError } from './http.js'

/** The Go type of a field, which decides which JSON values it takes. */
export type GoType = 'string' | 'bool' | 'int64' | 'float32'

/** A decoded JSON object. */
export type JsonObject = Record<string, unknown>

/** Parses a request body as Go's json.Decoder does: an empty body is the error "EOF". */
export function decodeBody(body: Buffer): unknown {
  const text = body.toString('utf8').trim()
  if (text.length === 0) throw badBody('EOF')
  try {
    return JSON.parse(text)
  } catch (err) {
    throw badBody((err as Error).message)
  }
}

/** Requires a JSON object (Go decodes null into a struct as "nothing changes", so null gives {}). */
export function goObject(value: unknown, goStruct: string): JsonObject {
  if (value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw badBody(`json: cannot unmarshal ${jsonKind(value)} into Go value of type ${goStruct}`)
  }
  return value as JsonObject
}

/**
 * Reads the fields of `object` that `fields` names, matching keys case-insensitively with the last one
 * winning, as Go does; unknown keys and nulls are skipped. Returns only the fields that were given.
 */
export function readFields<F extends Record<string, GoType>>(
  object: JsonObject,
  goStruct: string,
  fields: F,
): { [K in keyof F]?: F[K] extends 'string' ? string : F[K] extends 'bool' ? boolean : number } {
  const out: Record<string, unknown> = {}
  const names = Object.keys(fields)
  for (const [key, value] of Object.entries(object)) {
    const field = names.find((n) => n === key) ?? names.find((n) => n.toLowerCase() === key.toLowerCase())
    if (field === undefined || value === null) continue
    out[field] = goValue(value, fields[field]!, `${goStruct}.${field}`)
  }
  return out as ReturnType<typeof readFields<F>>
}

/** Finds the value of `field` in `object` as Go matches keys (last case-insensitive match wins). */
export function goField(object: JsonObject, field: string): unknown {
  let found: unknown
  for (const [key, value] of Object.entries(object)) {
    if (key.toLowerCase() === field.toLowerCase()) found = value
  }
  return found
}

/** Checks one value against its Go type, answering 400 with Go's message when it does not fit. */
export function goValue(value: unknown, type: GoType, where: string): string | boolean | number {
  const fits =
    type === 'string'
      ? typeof value === 'string'
      : type === 'bool'
        ? typeof value === 'boolean'
        : typeof value === 'number' && (type === 'float32' || Number.isSafeInteger(value))
  if (!fits) {
    const shown = typeof value === 'number' ? `number ${value}` : jsonKind(value)
    throw badBody(`json: cannot unmarshal ${shown} into Go struct field ${where} of type ${type}`)
  }
  return value as string | boolean | number
}

/** toxiproxy's 400 for a body it cannot decode. */
export function badBody(detail: string): ControlError {
  return new ControlError(400, `bad request body: ${detail}`)
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array'
  if (value === null) return 'null'
  if (typeof value === 'boolean') return 'bool'
  return typeof value
}
