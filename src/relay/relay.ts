// The store-and-forward relay: accepts segments into a durable ledger, delivers each over a fresh
// fabric-protocol connection, and keeps what failed in the deadletter queue until a retry delivers it.
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from '../errors/config-error.js'
import { FieldError, MAX_TIMER_MS, rejectUnknownKeys } from '../errors/field-error.js'
import { defaultEventBus, type EventBus } from '../run/events.js'
import { transportFor } from '../transport/index.js'
import { resolveTarget, type TargetInput, type TargetPath } from '../transport/target.js'
import type { Link, TransportKind } from '../transport/types.js'
import { type AttemptOutcome, attemptDelivery } from './attempt.js'
import { KillSwitch } from './kill-switch.js'
import { Ledger, type LedgerEntry, type StoredSegment } from './ledger.js'
import { MAX_ID_LENGTH, MAX_SEGMENT_BYTES } from './wire.js'

/** Automatic retry of failed segments with exponential backoff. */
export interface AutoRetryOptions {
  /** Wait before the first retry (ms); doubles after each failure. Default 100. */
  initialMs?: number
  /** Longest wait between retries (ms). Default 5000. */
  maxMs?: number
  /** Stop retrying a segment after this many attempts in all. Default 10. */
  maxAttempts?: number
}

/** Options of startRelay. */
export interface RelayOptions {
  /** Where to deliver: a peer, a proxy in front of one, or a URL 'quic://host:port' / 'tcp://host:port'. */
  peer: TargetInput
  /** Must match the peer's scheme when given ('quic' or 'tcp'). */
  transport?: TransportKind
  /** Pinned SHA-256 fingerprint of the peer's certificate (QUIC); taken from `peer` when it has one. */
  fingerprint?: string
  /** Path of the ledger file; default a file in a fresh temporary folder, removed by close(). */
  store?: string
  /** Longest a delivery attempt may take, dial included (ms). Default 5000. */
  attemptTimeout?: number
  /** Longest the dial (TCP connect, QUIC handshake) may take within an attempt (ms). Default attemptTimeout. */
  dialTimeout?: number
  /** Retry failed segments by themselves; off by default, so a test decides when a retry happens. */
  autoRetry?: boolean | AutoRetryOptions
  /** Where the relay publishes relay.start, relay.kill, relay.stop, relay.restart; default defaultEventBus. */
  events?: EventBus
}

/** What submit() and each delivery resolve with. */
export interface SubmitResult {
  id: string
  delivered: boolean
  error?: string
}

/** What retry() and retryAll() resolve with. */
export interface RetryResult {
  delivered: string[]
  dead: string[]
}

/** A deadletter entry. */
export interface Deadletter {
  id: string
  size: number
  attempts: number
  lastError: string | undefined
}

/** Options of one submit(). */
export interface SubmitOptions {
  /** Record the segment as already failed once with this error and do not deliver it now (the lab's seeded ledger). */
  seedFailed?: string
}

/** The relay's state at a glance. */
export interface RelayStatus {
  running: boolean
  peer: string
  store: string
  segments: number
  delivered: number
  dead: number
  inFlight: number
  attempts: number
  /** Records written, fsyncs, and bytes of the ledger since the relay (re)started. */
  log: { records: number; syncs: number; bytes: number }
  /** Bytes of a torn tail cut off when the store was last opened. */
  recoveredTruncatedBytes: number
}

/** A running relay. */
export interface Relay {
  readonly peer: string
  readonly store: string
  readonly running: boolean
  /** Accepts a segment (durably) and resolves when its first delivery attempt has ended. */
  submit(id: string, bytes: Uint8Array, options?: SubmitOptions): Promise<SubmitResult>
  /** Attempts a segment again (a delivered one is not sent again). */
  retry(id: string): Promise<RetryResult>
  /** Attempts every undelivered segment again. */
  retryAll(): Promise<RetryResult>
  /** The segments waiting in the deadletter queue. */
  deadletters(): Deadletter[]
  /** Every attempt of a segment and when it was delivered; undefined for an unknown id. */
  ledger(id: string): LedgerEntry | undefined
  status(): RelayStatus
  /** Waits for attempts in flight, then closes the store. */
  stop(): Promise<void>
  /** Drops everything at once, as kill -9 would: connections cut, nothing more written. */
  kill(): Promise<void>
  /** Opens the same store again after stop or kill. */
  restart(): Promise<void>
  /** Stops and removes the store when the relay made it itself. */
  close(): Promise<void>
}

const RELAY_KEYS = [
  'peer',
  'transport',
  'fingerprint',
  'store',
  'attemptTimeout',
  'dialTimeout',
  'autoRetry',
  'events',
]
const AUTO_RETRY_KEYS = ['initialMs', 'maxMs', 'maxAttempts']

function positiveMs(value: unknown, field: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_TIMER_MS) {
    throw new ConfigError(field, value, `an integer number of milliseconds from 1 to ${MAX_TIMER_MS}`)
  }
  return value
}

function autoRetrySettings(input: unknown): Required<AutoRetryOptions> | undefined {
  if (input === undefined || input === false) return undefined
  const options = input === true ? {} : input
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError('autoRetry', input, 'a boolean or { initialMs?, maxMs?, maxAttempts? }')
  }
  rejectUnknownKeys(options, AUTO_RETRY_KEYS, 'autoRetry', ConfigError, 'autoRetry.')
  const o = options as AutoRetryOptions
  const maxAttempts = o.maxAttempts ?? 10
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 1_000_000) {
    throw new ConfigError('autoRetry.maxAttempts', maxAttempts, 'an integer from 1 to 1000000')
  }
  return {
    initialMs: positiveMs(o.initialMs, 'autoRetry.initialMs', 100),
    maxMs: positiveMs(o.maxMs, 'autoRetry.maxMs', 5000),
    maxAttempts,
  }
}

function checkId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw new FieldError('id', id, `a non-empty string of at most ${MAX_ID_LENGTH} characters`)
  }
}

/** Starts a store-and-forward relay in front of a peer. */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError('startRelay options', options, 'an object with a peer')
  }
  rejectUnknownKeys(options, RELAY_KEYS, 'relay options', ConfigError)
  if (options.peer === undefined) throw new ConfigError('peer', undefined, 'a peer, a proxy or a URL')
  const target = resolveTarget(
    options.fingerprint !== undefined && typeof options.peer === 'object' && options.peer !== null
      ? { ...options.peer, url: (options.peer as { url: string }).url, fingerprint: options.fingerprint }
      : options.fingerprint !== undefined
        ? { url: options.peer as string, fingerprint: options.fingerprint }
        : options.peer,
    'peer',
  )
  if (target.paths.length !== 1) throw new ConfigError('peer', options.peer, 'one peer, not several paths')
  const path = target.paths[0] as TargetPath
  if (options.transport !== undefined && options.transport !== path.transport) {
    throw new ConfigError(
      'transport',
      options.transport,
      `the peer's scheme '${path.transport}' (peer is ${path.url})`,
    )
  }
  const timeoutMs = positiveMs(options.attemptTimeout, 'attemptTimeout', 5000)
  const dialMs = Math.min(timeoutMs, positiveMs(options.dialTimeout, 'dialTimeout', timeoutMs))
  const autoRetry = autoRetrySettings(options.autoRetry)
  if (options.store !== undefined && (typeof options.store !== 'string' || options.store.length === 0)) {
    throw new ConfigError('store', options.store, 'a file path')
  }
  const events = options.events ?? defaultEventBus
  const ownFolder = options.store === undefined ? mkdtempSync(join(tmpdir(), 'quicksand-relay-')) : undefined
  const store = options.store ?? join(ownFolder as string, 'ledger.log')
  const transport = await transportFor(path.transport)
  const source = `relay ${store}`

  let ledger: Ledger | undefined = new Ledger(store)
  const links = new Set<Link>()
  const inFlight = new Map<string, Promise<SubmitResult>>()
  const timers = new Set<NodeJS.Timeout>()
  let generation = 0
  let killSwitch = new KillSwitch()

  const open = (): Ledger => {
    if (!ledger) throw new Error('the relay is not running (stopped or killed); restart() it first')
    return ledger
  }

  const scheduleRetry = (segment: StoredSegment) => {
    if (!autoRetry || segment.attempts.length >= autoRetry.maxAttempts) return
    const wait = Math.min(
      autoRetry.maxMs,
      autoRetry.initialMs * 2 ** Math.max(0, segment.attempts.length - 1),
    )
    const timer = setTimeout(() => {
      timers.delete(timer)
      if (ledger && segment.deliveredAt === undefined) void deliver(segment).catch(() => undefined)
    }, wait)
    timers.add(timer)
  }

  // One attempt per segment at a time; a second caller shares the attempt in flight.
  // `data` is the submitted bytes on a first attempt; any later attempt reads them back from the log.
  const deliver = (segment: StoredSegment, data?: Buffer): Promise<SubmitResult> => {
    const running = inFlight.get(segment.id)
    if (running) return running
    const current = open()
    const mine = generation
    const attempt = (async () => {
      const bytes = data ?? (await current.segmentBytes(segment))
      if (mine !== generation) throw new Error('the relay was killed during the attempt')
      const started = Date.now()
      const startedAt = performance.now()
      const outcome: AttemptOutcome = await attemptDelivery(
        { transport, path, timeoutMs, dialMs, kill: killSwitch },
        { id: segment.id, sha256: segment.sha256, data: bytes },
        links,
      )
      // A kill while the attempt ran: nothing more is written, as after a real crash.
      if (mine !== generation) throw new Error('the relay was killed during the attempt')
      await current.addAttempt(segment, {
        at: started,
        ok: outcome.ok,
        bytes: outcome.bytes,
        ms: Math.round(performance.now() - startedAt),
        ...(outcome.error !== undefined ? { error: outcome.error } : {}),
      })
      if (!outcome.ok) scheduleRetry(segment)
      return {
        id: segment.id,
        delivered: outcome.ok,
        ...(outcome.error !== undefined ? { error: outcome.error } : {}),
      }
    })()
    inFlight.set(segment.id, attempt)
    const clear = () => {
      if (inFlight.get(segment.id) === attempt) inFlight.delete(segment.id)
    }
    attempt.then(clear, clear)
    return attempt
  }

  const retryMany = async (segments: StoredSegment[]): Promise<RetryResult> => {
    const results = await Promise.all(
      segments.map((s) => (s.deliveredAt !== undefined ? { id: s.id, delivered: true } : deliver(s))),
    )
    return {
      delivered: results.filter((r) => r.delivered).map((r) => r.id),
      dead: results.filter((r) => !r.delivered).map((r) => r.id),
    }
  }

  const shut = async (abrupt: boolean) => {
    const current = ledger
    if (!current) return
    for (const timer of timers) clearTimeout(timer)
    timers.clear()
    if (abrupt) {
      generation++
      killSwitch.fire()
      killSwitch = new KillSwitch()
      ledger = undefined
      for (const link of links) link.destroy()
      links.clear()
      current.abandon()
      events.emit({ source, type: 'relay.kill' })
      return
    }
    // Attempts in flight finish and are recorded before the store closes.
    await Promise.allSettled([...inFlight.values()])
    ledger = undefined
    await current.close()
    events.emit({ source, type: 'relay.stop' })
  }

  events.emit({ source, type: 'relay.start', peer: path.url })
  const entry = (s: StoredSegment): LedgerEntry => ({
    id: s.id,
    size: s.size,
    sha256: s.sha256,
    submittedAt: s.submittedAt,
    attempts: s.attempts.map((a) => ({ ...a })),
    ...(s.deliveredAt !== undefined ? { deliveredAt: s.deliveredAt } : {}),
  })
  return {
    peer: path.url,
    store,
    get running() {
      return ledger !== undefined
    },
    async submit(id, bytes, submitOptions = {}) {
      checkId(id)
      if (!(bytes instanceof Uint8Array)) throw new FieldError('bytes', bytes, 'a Uint8Array or Buffer')
      if (bytes.length > MAX_SEGMENT_BYTES) {
        throw new FieldError('bytes', `${bytes.length} bytes`, `at most ${MAX_SEGMENT_BYTES} bytes`)
      }
      rejectUnknownKeys(submitOptions, ['seedFailed'], 'submit options')
      const { seedFailed } = submitOptions
      if (seedFailed !== undefined && typeof seedFailed !== 'string') {
        throw new FieldError('seedFailed', seedFailed, 'an error message string')
      }
      const current = open()
      const data = Buffer.from(bytes)
      const sha256 = createHash('sha256').update(data).digest('hex')
      let segment = current.segments.get(id)
      if (segment) {
        // Ids are idempotent: the same id with other bytes is a mistake, not a new segment.
        if (segment.sha256 !== sha256) {
          throw new FieldError('id', id, 'unique per segment (this id was submitted with other bytes)')
        }
        if (segment.deliveredAt !== undefined) return { id, delivered: true }
        return deliver(segment)
      }
      segment = await current.addSegment(id, data, sha256, Date.now())
      if (seedFailed !== undefined) {
        await current.addAttempt(segment, { at: Date.now(), ok: false, error: seedFailed, bytes: 0, ms: 0 })
        return { id, delivered: false, error: seedFailed }
      }
      return deliver(segment, data)
    },
    async retry(id) {
      checkId(id)
      const segment = open().segments.get(id)
      if (!segment) throw new FieldError('id', id, 'the id of a segment submitted to this relay')
      return retryMany([segment])
    },
    retryAll() {
      return retryMany([...open().segments.values()].filter((s) => s.deliveredAt === undefined))
    },
    deadletters() {
      return [...open().segments.values()]
        .filter((s) => s.deliveredAt === undefined && !inFlight.has(s.id))
        .map((s) => ({
          id: s.id,
          size: s.size,
          attempts: s.attempts.length,
          lastError: s.attempts.at(-1)?.error,
        }))
    },
    ledger(id) {
      const segment = open().segments.get(id)
      return segment ? entry(segment) : undefined
    },
    status() {
      const all = ledger ? [...ledger.segments.values()] : []
      const delivered = all.filter((s) => s.deliveredAt !== undefined).length
      return {
        running: ledger !== undefined,
        peer: path.url,
        store,
        segments: all.length,
        delivered,
        dead: all.length - delivered - inFlight.size,
        inFlight: inFlight.size,
        attempts: all.reduce((n, s) => n + s.attempts.length, 0),
        log: ledger ? ledger.stats() : { records: 0, syncs: 0, bytes: 0 },
        recoveredTruncatedBytes: ledger ? ledger.truncatedBytes : 0,
      }
    },
    stop: () => shut(false),
    kill: () => shut(true),
    async restart() {
      await shut(false)
      ledger = new Ledger(store)
      events.emit({ source, type: 'relay.restart' })
    },
    async close() {
      await shut(false)
      if (ownFolder) rmSync(ownFolder, { recursive: true, force: true })
    },
  }
}
