import type net from 'node:net'

/**
 * Abort a connection the way a crash would: an RST, no FIN. Only a socket whose own sending side
 * is still open and empty is reset: on Node 20, resetAndDestroy() after end() (a shutdown in
 * flight) makes libuv refuse the reset, the handle stays open for good and the process spins at
 * exit; queued writes are kept clear of it too. Those sockets are already on their way out, so a
 * plain destroy() loses nothing a crash would keep. A socket whose peer half-closed (readyState
 * 'writeOnly') resets fine, so a client that sent its FIN still sees the RST it expects.
 */
export function resetSocket(socket: net.Socket): void {
  if (
    typeof socket.resetAndDestroy === 'function' &&
    (socket.readyState === 'open' || socket.readyState === 'writeOnly') &&
    !socket.writableEnded &&
    socket.writableLength === 0
  ) {
    socket.resetAndDestroy()
  } else {
    socket.destroy()
  }
}
