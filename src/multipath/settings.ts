// Options both ends share, checked in one place: every bad value names its field and rule.
import { ConfigError } from '../errors/config-error.js'
import type { ConnectionSettings } from './connection.js'
import { MAX_FRAME_PAYLOAD } from './frames.js'
import { isSchedulerName, SCHEDULER_NAMES } from './schedulers/index.js'

/** Tuning a connection takes; every field has a default. */
export interface MultipathTuning {
  /** 'lowest-rtt' (default), 'round-robin', 'redundant' or 'weighted'. */
  scheduler?: string
  /** Largest payload per data frame, bytes (default 16 KiB, at most 1 MiB). */
  frameSize?: number
  /** Unacknowledged bytes after which writes wait (default 512 KiB). */
  windowBytes?: number
  /** How often an idle subflow is pinged, ms (default 50). */
  pingIntervalMs?: number
  /** With no path up this long the connection fails (client) or is forgotten (server), ms (default 10 s). */
  idleTimeoutMs?: number
}

/** The tuning keys, for unknown-key checks. */
export const TUNING_KEYS = [
  'scheduler',
  'frameSize',
  'windowBytes',
  'pingIntervalMs',
  'idleTimeoutMs',
] as const

function integer(value: unknown, field: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(field, value, `an integer from ${min} to ${max}`)
  }
  return value
}

/** Check tuning options and fill in defaults. */
export function resolveTuning(input: MultipathTuning, prefix = ''): ConnectionSettings {
  const scheduler = input.scheduler ?? 'lowest-rtt'
  if (!isSchedulerName(scheduler)) {
    throw new ConfigError(
      `${prefix}scheduler`,
      scheduler,
      `one of ${SCHEDULER_NAMES.map((n) => `'${n}'`).join(', ')}`,
    )
  }
  return {
    scheduler,
    frameSize: integer(input.frameSize, `${prefix}frameSize`, 16 * 1024, 1, MAX_FRAME_PAYLOAD),
    windowBytes: integer(input.windowBytes, `${prefix}windowBytes`, 512 * 1024, 1, 1024 * 1024 * 1024),
    pingIntervalMs: integer(input.pingIntervalMs, `${prefix}pingIntervalMs`, 50, 5, 60_000),
    idleTimeoutMs: integer(input.idleTimeoutMs, `${prefix}idleTimeoutMs`, 10_000, 100, 3_600_000),
  }
}
