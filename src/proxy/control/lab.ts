// The relay impairment lab's control API over one proxy: PUT /mode switches between the lab's five modes,
// GET /stats answers the lab's stats JSON, POST /reset zeroes the counters.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { describeValue, rejectUnknownKeys } from '../../errors/field-error.js'
import { ImpairmentError } from '../errors.js'
import { IMPAIRMENT_MODULES } from '../impairments/index.js'
import type { Impairment, ImpairmentProxy, ProxyProtocol, ProxyStats } from '../types.js'
import { expectObject } from './body.js'
import {
  CONTROL_LISTEN_KEYS,
  ControlError,
  type ControlListenOptions,
  type ControlServer,
  listenControl,
  parseJsonBody,
  sendJson,
} from './http.js'

/** The lab's proxy modes. */
export type LabMode = 'clean' | 'drop' | 'bandwidth' | 'delay' | 'cutoff'

/** The lab's current mode and its value (bits per second, ms or bytes; 0 for clean and drop). */
export interface LabModeState {
  mode: LabMode
  value: number
}

/** The lab's stats JSON. */
export interface LabStats {
  bytes_fwd: number
  conn_accepted: number
  conn_dropped: number
  active_conn: number
  last_conn_bytes: number
  last_conn_ms: number
}

/** Each mode's value: its unit, the alias field naming it, and the impairment it becomes. */
const VALUED_MODES = {
  // The lab limits and cuts the primary (edged -> peer) direction: client to target, upstream.
  bandwidth: {
    unit: 'bits per second',
    alias: 'bps',
    impairment: (v: number): Impairment => ({ kind: 'bandwidth', bitsPerSecond: v, direction: 'upstream' }),
  },
  delay: {
    unit: 'ms before dialling the target',
    alias: 'ms',
    impairment: (v: number): Impairment => ({ kind: 'predial', ms: v }),
  },
  cutoff: {
    unit: 'bytes forwarded before the close',
    alias: 'bytes',
    impairment: (v: number): Impairment => ({ kind: 'cutoff', afterBytes: v, direction: 'upstream' }),
  },
} as const

const MODES: readonly LabMode[] = ['clean', 'drop', 'bandwidth', 'delay', 'cutoff']

/** The lab's stats JSON from a proxy's counters. */
export function labStats(stats: ProxyStats): LabStats {
  return {
    bytes_fwd: stats.bytesFwd,
    conn_accepted: stats.connAccepted,
    conn_dropped: stats.connDropped,
    active_conn: stats.activeConn,
    last_conn_bytes: stats.lastConnBytes,
    last_conn_ms: stats.lastConnMs,
  }
}

/**
 * The impairments that put a proxy in a lab mode. Drop refuses TCP connections; on UDP, where there
 * is no connection to refuse, it blackholes the datagrams.
 */
export function labImpairments(state: LabModeState, protocol: ProxyProtocol = 'tcp'): Impairment[] {
  switch (state.mode) {
    case 'clean':
      return []
    case 'drop':
      return [{ kind: 'outage', mode: protocol === 'udp' ? 'blackhole' : 'refuse' }]
    default:
      return [VALUED_MODES[state.mode].impairment(state.value)]
  }
}

/**
 * Checks a PUT /mode request: `{"mode":"bandwidth","value":1000000}` (or the value under its own name:
 * `bps`, `ms`, `bytes`), also accepted as a query string `?mode=delay&value=200`.
 */
export function parseLabMode(input: unknown): LabModeState {
  return parseLabRequest(input).state
}

/** The lab modes a proxy of this protocol can carry. */
function modesOn(protocol: ProxyProtocol): LabMode[] {
  return MODES.filter((mode) =>
    labImpairments({ mode, value: 1 }, protocol).every((i) =>
      IMPAIRMENT_MODULES[i.kind].protocols.includes(protocol),
    ),
  )
}

/**
 * Say an impairment's complaint in the request's terms: the mode and the field the value came in,
 * never the impairment's internal field names.
 */
function requestError(err: ImpairmentError, request: LabRequest, protocol: ProxyProtocol): ControlError {
  const { mode } = request.state
  if (err.field === 'kind' || err.field.endsWith('.mode')) {
    return new ControlError(
      400,
      `mode ${mode}: not available on a ${protocol} proxy; it takes ${modesOn(protocol).join(', ')}`,
    )
  }
  const field = request.field ?? 'mode'
  const rule = VALUED_MODES[mode as keyof typeof VALUED_MODES]
  const unit = rule ? ` (${rule.unit})` : ''
  return new ControlError(
    400,
    `mode ${mode}: ${field} must be ${err.rule}${unit}, got ${describeValue(request.raw)}`,
  )
}

/** A PUT /mode request: the state it asks for and the body field its value came in. */
interface LabRequest {
  state: LabModeState
  field?: string
  raw?: unknown
}

function parseLabRequest(input: unknown): LabRequest {
  const body = expectObject(input, 'mode request', ['mode', 'value', 'bps', 'ms', 'bytes'])
  const mode = body.mode
  if (typeof mode !== 'string' || !MODES.includes(mode as LabMode)) {
    throw new ControlError(
      400,
      `mode must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode) ?? 'nothing'}`,
    )
  }
  const given = (['value', 'bps', 'ms', 'bytes'] as const).filter((f) => body[f] !== undefined)
  if (mode === 'clean' || mode === 'drop') {
    if (given.length > 0) throw new ControlError(400, `mode ${mode} takes no value, got ${given.join(', ')}`)
    return { state: { mode, value: 0 } }
  }
  const rule = VALUED_MODES[mode as keyof typeof VALUED_MODES]
  const allowed = ['value', rule.alias]
  const wrong = given.filter((f) => !allowed.includes(f))
  if (wrong.length > 0)
    throw new ControlError(400, `mode ${mode} takes value (or ${rule.alias}), not ${wrong.join(', ')}`)
  if (given.length !== 1)
    throw new ControlError(
      400,
      `mode ${mode} needs exactly one value (${rule.unit}) in value or ${rule.alias}`,
    )
  const field = given[0]!
  const raw = body[field]
  const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : raw
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < (mode === 'bandwidth' ? 1 : 0)) {
    const min = mode === 'bandwidth' ? 1 : 0
    throw new ControlError(
      400,
      `${field} for mode ${mode} must be an integer >= ${min} (${rule.unit}), got ${JSON.stringify(raw)}`,
    )
  }
  return { state: { mode: mode as LabMode, value }, field, raw }
}

/** Serves the lab's control API for `proxy` on host:port (default 127.0.0.1, any free port); closing it leaves the proxy running. */
export async function startLabControl(
  proxy: ImpairmentProxy,
  options: ControlListenOptions = {},
): Promise<ControlServer> {
  rejectUnknownKeys(options, CONTROL_LISTEN_KEYS, 'lab control options')
  let state: LabModeState = { mode: 'clean', value: 0 }
  /** Answers one request with the JSON to send back (always 200; errors are thrown). */
  const answer = (req: IncomingMessage, body: Buffer): unknown => {
    const url = new URL(req.url ?? '/', 'http://control')
    const method = req.method ?? 'GET'
    if (url.pathname === '/mode') {
      if (method === 'GET') return state
      if (method !== 'PUT' && method !== 'POST') {
        throw new ControlError(405, `method ${method} not allowed on /mode; use PUT`)
      }
      const query = Object.fromEntries(url.searchParams)
      const request = parseLabRequest(Object.keys(query).length > 0 ? query : parseJsonBody(body))
      try {
        proxy.set(labImpairments(request.state, proxy.protocol))
      } catch (err) {
        // A mode the proxy cannot carry (cutoff on UDP) is the request's fault, not the server's.
        if (err instanceof ImpairmentError) throw requestError(err, request, proxy.protocol)
        throw err
      }
      state = request.state
      return state
    }
    if (url.pathname === '/stats') {
      if (method !== 'GET') throw new ControlError(405, `method ${method} not allowed on /stats; use GET`)
      return labStats(proxy.stats())
    }
    if (url.pathname === '/reset') {
      if (method !== 'POST') throw new ControlError(405, `method ${method} not allowed on /reset; use POST`)
      proxy.reset()
      return labStats(proxy.stats())
    }
    throw new ControlError(
      404,
      `no route for ${method} ${url.pathname}; the lab API has PUT /mode, GET /stats, POST /reset`,
    )
  }
  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    sendJson(res, 200, answer(req, body))
  }
  return listenControl(options, handle, async () => undefined)
}
