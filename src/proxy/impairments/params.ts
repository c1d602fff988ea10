import { parseDuration } from '../duration.js'
import { ImpairmentError } from '../errors.js'

/** A probability or rate: a number from 0 to 1. */
export function fraction(field: string, value: unknown, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new ImpairmentError(field, value, 'a number from 0 to 1')
  }
  return value
}

/** A finite number greater than 0. */
export function positive(field: string, value: unknown, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ImpairmentError(field, value, 'a number greater than 0')
  }
  return value
}

/** A whole number >= min. */
export function integer(field: string, value: unknown, min: number, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new ImpairmentError(field, value, `a whole number >= ${min}`)
  }
  return value
}

/** A duration in ms (number or '2s'). */
export function duration(field: string, value: unknown, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback
  return parseDuration(field, value)
}

/** One of a fixed set of strings. */
export function oneOf<const T extends string>(
  field: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new ImpairmentError(field, value, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`)
  }
  return value as T
}

/** true or false. */
export function flag(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw new ImpairmentError(field, value, 'true or false')
  return value
}
