import dgram from 'node:dgram'

/** A UDP echo server on 127.0.0.1 that records which peers (address:port) it heard from. */
export interface UdpEcho {
  readonly port: number
  readonly url: string
  readonly peers: Set<string>
  received: number
  close(): Promise<void>
}

/** Starts a UDP echo server; its url uses `scheme`. */
export async function startUdpEcho(scheme = 'udp'): Promise<UdpEcho> {
  const socket = dgram.createSocket('udp4')
  const peers = new Set<string>()
  const echo: UdpEcho = {
    port: 0,
    url: '',
    peers,
    received: 0,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  }
  socket.on('message', (message, remote) => {
    echo.received++
    peers.add(`${remote.address}:${remote.port}`)
    socket.send(message, remote.port, remote.address)
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const port = socket.address().port
  return Object.assign(echo, { port, url: `${scheme}://127.0.0.1:${port}` })
}

/** A UDP client socket on 127.0.0.1 that records what it receives. */
export interface UdpClient {
  readonly socket: dgram.Socket
  readonly received: Buffer[]
  send(data: Buffer, port: number): Promise<void>
  /** Wait until `count` datagrams arrived or `timeoutMs` passed. */
  waitFor(count: number, timeoutMs: number): Promise<Buffer[]>
  close(): Promise<void>
}

/** Binds a UDP client socket on 127.0.0.1. */
export async function udpClient(): Promise<UdpClient> {
  const socket = dgram.createSocket('udp4')
  const received: Buffer[] = []
  let wake: (() => void) | undefined
  socket.on('message', (message) => {
    received.push(message)
    wake?.()
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return {
    socket,
    received,
    send: (data, port) =>
      new Promise((resolve, reject) =>
        socket.send(data, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
      ),
    waitFor: (count, timeoutMs) =>
      new Promise((resolve) => {
        const deadline = setTimeout(done, timeoutMs)
        function done() {
          clearTimeout(deadline)
          wake = undefined
          resolve(received)
        }
        wake = () => {
          if (received.length >= count) done()
        }
        wake()
      }),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  }
}

/** A UDP port nothing listens on (bound, read, released). */
export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()))
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  return port
}
