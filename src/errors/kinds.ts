// Why a run's attempt failed, in one vocabulary for every transport and workload. Transports and
// workloads throw RunError with a kind where they know it; classifyError() maps what is left
// (Node's socket errors) in one place, so a report never carries a bare 'error'.

/** Every kind of failure a report may count. */
export const ERROR_KINDS = [
  'connect_refused',
  'connect_timeout',
  'address_unresolved',
  'tls_fingerprint_mismatch',
  'handshake_failed',
  'reset',
  'connection_closed',
  'ack_timeout',
  'stream_timeout',
  'run_timeout',
  'protocol_error',
  'content_error',
  'aborted',
  'internal',
] as const

/** The kind of a run failure. */
export type ErrorKind = (typeof ERROR_KINDS)[number]

/** What each kind means, for docs and failure messages. */
export const ERROR_KIND_MEANINGS: Record<ErrorKind, string> = {
  connect_refused:
    'the target refused the connection (nothing listens, or it answered with a reset/ICMP unreachable)',
  connect_timeout:
    'the connection was not up end to end in time: no TCP connect or QUIC handshake within connectTimeout, or no first answer from the node (behind a proxy) within ackTimeout',

  address_unresolved: "the target's host name did not resolve",
  tls_fingerprint_mismatch: "the node's certificate is not the one pinned for the target",
  handshake_failed: 'the QUIC/TLS handshake failed for a reason other than the pinned fingerprint',
  reset: 'an established connection was reset or dropped by the peer (node killed, path cut, idle timeout)',
  connection_closed: 'an established connection was closed in order by the peer while streams were on it',
  ack_timeout: 'no ACK for a DATA frame within ackTimeout',
  stream_timeout: 'a stream attempt did not finish within streamTimeout',
  run_timeout: "the run's own timeout ended the attempt",
  protocol_error: 'the peer sent something the fabric protocol does not allow',
  content_error: 'the peer reported payload bytes that differ from what was sent',
  aborted: 'the run was aborted (its test ended, or its AbortSignal fired)',
  internal: 'a failure quicksand could not classify (a bug: please report it with the message)',
}

/** A failure with a kind; its message names the target's host:port where there is one. */
export class RunError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'RunError'
  }
}

const BY_CODE: Record<string, ErrorKind> = {
  ECONNREFUSED: 'connect_refused',
  EHOSTUNREACH: 'connect_refused',
  ENETUNREACH: 'connect_refused',
  EADDRNOTAVAIL: 'connect_refused',
  ETIMEDOUT: 'connect_timeout',
  ENOTFOUND: 'address_unresolved',
  EAI_AGAIN: 'address_unresolved',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  ABORT_ERR: 'aborted',
}

/** The kind of any thrown value: a RunError's own kind, else from its Node error code. */
export function classifyError(error: unknown): ErrorKind {
  if (error instanceof RunError) return error.kind
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown }
  if (typeof code === 'string' && code in BY_CODE) return BY_CODE[code]!
  if (name === 'AbortError') return 'aborted'
  return 'internal'
}

/** The message of any thrown value, with the target's address put first when it is missing. */
export function describeFailure(error: unknown, where?: string): string {
  const message = error instanceof Error ? error.message : String(error)
  if (!where || message.includes(where)) return message
  return `${where}: ${message}`
}
