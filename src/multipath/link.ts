import type { Link } from '../transport/link.js'
import type { MultipathConnection } from './connection.js'

/** A multipath connection as the Link the fabric protocol runs over (client and node side alike). */
export function multipathLink(connection: MultipathConnection, remote = `multipath ${connection.cid}`): Link {
  let failure: Error | undefined
  connection.on('error', (error) => {
    failure = error
  })
  // As a TCP socket without allowHalfOpen: once the peer ended, this side ends too, so the
  // connection closes and the node forgets its connection ID.
  connection.once('end', () => connection.end())
  let closed = false
  let closeHandler: ((error?: Error) => void) | undefined
  connection.once('close', () => {
    closed = true
    closeHandler?.(failure)
  })
  return {
    remote,
    send: (chunk) => connection.write(chunk),
    onData: (handler) => void connection.on('data', handler),
    onDrain: (handler) => void connection.on('drain', handler),
    onClose: (handler) => {
      closeHandler = handler
      if (closed) handler(failure)
    },
    end: () => void connection.end(),
    destroy: () => void connection.destroy(),
  }
}
