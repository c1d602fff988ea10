import { existsSync } from 'node:fs'
import net from 'node:net'
import { dirname } from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { createFabricFixture } from '../../src/fabric/fixture.js'
import { closeTracked, track } from '../helpers/cleanup.js'
import { refused } from '../helpers/teardown-suite.js'
import { until } from '../helpers/wait.js'

afterEach(closeTracked)

/** A TCP server that accepts and never answers, counting the connections still open. */
async function silentServer() {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    // The relay's kill resets the connection, as a crash does.
    socket.on('error', () => undefined)
    // Read and discard, so the relay's FIN is seen (a paused socket never reaches its end).
    socket.resume()
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  return {
    url: `tcp://127.0.0.1:${port}`,
    open: () => sockets.size,
    close: () => {
      for (const socket of sockets) socket.destroy()
      return new Promise((resolve) => server.close(resolve))
    },
  }
}

test('closeAll() mid-delivery (a test that timed out) stops relay and peer and removes the store', async () => {
  const fabric = createFabricFixture()
  const peer = await fabric.peer({ transport: 'tcp' })
  // A peer that never acknowledges keeps the attempt in flight when the test ends.
  const silent = track(await silentServer())
  const relay = await fabric.relay({ peer: silent.url })
  const pending = relay.submit('in-flight', Buffer.alloc(64, 1))
  expect(await until(() => silent.open() === 1, 2000)).toBe(true)
  await fabric.closeAll()
  // The attempt is cut, not left to finish: its submit settles at once with the kill.
  await expect(pending).rejects.toThrow(/killed/)
  expect(relay.running).toBe(false)
  expect(existsSync(dirname(relay.store))).toBe(false)
  expect(await refused(peer.port)).toBe(true)
  // The attempt's connection is gone too.
  expect(await until(() => silent.open() === 0, 2000)).toBe(true)
})

test('closeAll() with nothing started, and twice, is harmless', async () => {
  const fabric = createFabricFixture()
  await fabric.closeAll()
  await fabric.peer({ transport: 'tcp' })
  await fabric.closeAll()
  await fabric.closeAll()
})
