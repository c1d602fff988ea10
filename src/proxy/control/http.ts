// The HTTP plumbing both control APIs share: bounded JSON bodies, JSON replies, and errors that carry
// their status code, so a bad request is answered before anything about the proxies changes.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { formatUrl } from '../../address.js'

/** Largest request body a control API reads; anything longer is refused with 413. */
export const MAX_BODY_BYTES = 1024 * 1024

/** An error answered as `{ error, status }` with its HTTP status code. */
export class ControlError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.name = 'ControlError'
    this.status = status
  }
}

/** A running control server: its base URL (no trailing slash), bound port and shutdown. */
export interface ControlServer {
  readonly url: string
  readonly host: string
  readonly port: number
  close(): Promise<void>
}

/** Where a control server binds; host defaults to 127.0.0.1. */
export interface ControlListenOptions {
  host?: string
  port?: number
}

/** The fields of ControlListenOptions, for refusing misspelt ones. */
export const CONTROL_LISTEN_KEYS = ['host', 'port'] as const satisfies readonly (keyof ControlListenOptions)[]

/** Handles one request; throws ControlError for a 4xx/5xx answer. */
export type ControlHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => Promise<void> | void

/** Reads the whole request body, refusing more than MAX_BODY_BYTES. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let refused = false
    req.on('data', (chunk: Buffer) => {
      if (refused) return
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        refused = true
        reject(new ControlError(413, `request body must be at most ${MAX_BODY_BYTES} bytes`))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (!refused) resolve(Buffer.concat(chunks))
    })
    req.on('error', reject)
  })
}

/** Parses a JSON body; an empty body yields `undefined` (clients send bodiless POSTs). */
export function parseJsonBody(body: Buffer): unknown {
  const text = body.toString('utf8').trim()
  if (text.length === 0) return undefined
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new ControlError(400, `bad request body: invalid JSON (${(err as Error).message})`)
  }
}

/** Sends `value` as a JSON reply with the given status. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

/** Sends an empty reply (204 No Content and friends). */
export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'content-length': 0 })
  res.end()
}

/** Sends the toxiproxy-style error body `{ error, status }`. */
export function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: message, status })
}

/** Starts a node:http server on host:port (127.0.0.1:0 by default) that feeds requests to `handle`. */
export async function listenControl(
  options: ControlListenOptions,
  handle: ControlHandler,
  onClose: () => Promise<void>,
): Promise<ControlServer> {
  const host = options.host ?? '127.0.0.1'
  const port = options.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer from 0 to 65535, got ${String(port)}`)
  }
  const server: Server = createServer((req, res) => {
    readBody(req)
      .then((body) => handle(req, res, body))
      .catch((err: unknown) => {
        if (res.headersSent) {
          res.destroy()
          return
        }
        if (err instanceof ControlError) sendError(res, err.status, err.message)
        else sendError(res, 500, err instanceof Error ? err.message : String(err))
      })
  })
  // Keep-alive sockets would hold close() open until their idle timeout.
  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const bound = (server.address() as AddressInfo).port
  let closing: Promise<void> | undefined
  return {
    url: formatUrl('http', host, bound),
    host,
    port: bound,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        })
        await onClose()
      })()
      return closing
    },
  }
}
