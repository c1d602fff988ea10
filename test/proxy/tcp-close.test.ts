import net from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { createProxy } from '../../src/proxy/index.js'
import { closeTracked, track, trackSocket } from '../helpers/cleanup.js'
import { startTcpServer, type TestServer } from '../helpers/tcp.js'
import { sleep, until } from '../helpers/wait.js'

afterEach(closeTracked)

/** A target that greets and closes its sending side at once (a FIN right after the bytes). */
function startGreeter(): Promise<TestServer> {
  return startTcpServer((socket) => socket.end('hello'), { allowHalfOpen: true })
}

describe('closing a TCP connection', () => {
  test('a reset after the proxy already sent its FIN still closes the socket', async () => {
    const greeter = track(await startGreeter())
    // The reset holds upstream bytes and fires after them; the greeting and its FIN reach the client first.
    const proxy = track(
      await createProxy({
        protocol: 'tcp',
        target: `127.0.0.1:${greeter.port}`,
        impairments: [{ kind: 'reset', direction: 'upstream', timeoutMs: 100 }],
      }),
    )
    // allowHalfOpen: the client keeps its side open, so the proxy's socket is half-closed by the proxy only.
    const client = net.connect({ port: proxy.port, host: '127.0.0.1', allowHalfOpen: true })
    trackSocket(client)
    let received = ''
    let ended = false
    client.on('data', (chunk: Buffer) => {
      received += chunk.toString()
    })
    client.on('end', () => {
      ended = true
      // The reset starts at the first upstream data, as toxiproxy's reset_peer: send some after the FIN.
      client.write('x')
    })
    client.on('error', () => {})
    expect(await until(() => ended, 5000)).toBe(true)
    expect(received).toBe('hello')
    expect(await until(() => proxy.stats().connections[0]?.end === 'reset', 5000)).toBe(true)
    // Before the guard, resetAndDestroy() on the socket the proxy had ended left its handle open:
    // the listener then waited for it for ever and close() never resolved.
    const outcome = await Promise.race([
      proxy.close().then(() => 'closed'),
      sleep(5000).then(() => 'still open after 5 s'),
    ])
    expect(outcome).toBe('closed')
  })

  test('a reset on a client that half-closed is an RST', async () => {
    const greeter = track(await startGreeter())
    const proxy = track(
      await createProxy({
        protocol: 'tcp',
        target: `127.0.0.1:${greeter.port}`,
        impairments: [{ kind: 'reset', direction: 'downstream', timeoutMs: 100 }],
      }),
    )
    const client = net.connect({ port: proxy.port, host: '127.0.0.1', allowHalfOpen: true })
    trackSocket(client)
    let error: string | undefined
    let closed = false
    client.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code
    })
    client.on('close', () => {
      closed = true
    })
    client.on('connect', () => client.end('bye'))
    expect(await until(() => closed, 5000)).toBe(true)
    expect(error).toBe('ECONNRESET')
  })
})
