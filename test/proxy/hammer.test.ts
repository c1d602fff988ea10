import { afterEach, expect, test } from 'vitest'
import { createProxy } from '../../src/proxy/index.js'
import { closeTracked, track } from '../helpers/cleanup.js'
import { payload } from '../helpers/payload.js'
import { connect, startTcpServer, type TestServer } from '../helpers/tcp.js'
import { sleep, until } from '../helpers/wait.js'

afterEach(closeTracked)

/** A target that misbehaves at random: echoes, resets, half-closes or vanishes. */
function unrulyTarget(): Promise<TestServer> {
  let n = 0
  return startTcpServer(
    (socket) => {
      const mode = n++ % 4
      if (mode === 0) socket.pipe(socket)
      else if (mode === 1) setTimeout(() => socket.resetAndDestroy(), 5)
      else if (mode === 2) socket.end('half')
      else setTimeout(() => socket.destroy(), 3)
    },
    { allowHalfOpen: true },
  )
}

test('survives clients and targets that reset, half-close and vanish, under live impairment changes', async () => {
  const target = track(await unrulyTarget())
  const proxy = track(
    await createProxy({
      protocol: 'tcp',
      target: `127.0.0.1:${target.port}`,
      impairments: [{ kind: 'latency', ms: 2, jitterMs: 2, direction: 'both' }],
    }),
  )
  const data = payload(32 * 1024)
  const rounds = 120
  const clients: Promise<void>[] = []
  for (let i = 0; i < rounds; i++) {
    clients.push(
      (async () => {
        const socket = await connect(proxy.port).catch(() => undefined)
        if (!socket) return
        socket.on('error', () => {})
        socket.on('data', () => {})
        socket.write(data)
        const mode = i % 5
        if (mode === 0) socket.resetAndDestroy()
        else if (mode === 1) socket.end()
        else if (mode === 2) setTimeout(() => socket.destroy(), 2)
        else if (mode === 3) socket.end(data)
        else setTimeout(() => socket.resetAndDestroy(), 10)
        await new Promise<void>((resolve) => {
          socket.on('close', () => resolve())
          setTimeout(() => {
            socket.destroy()
            resolve()
          }, 3000)
        })
      })(),
    )
    if (i % 10 === 0) proxy.add({ kind: 'slicer', averageSize: 1000, name: `s${i}` })
    if (i % 10 === 5) proxy.remove(`s${i - 5}`)
    if (i % 30 === 0) proxy.update('latency_both', { ms: (i % 7) + 1 })
    await sleep(1)
  }
  await Promise.all(clients)
  expect(await until(() => proxy.stats().activeConn === 0, 5000)).toBe(true)
  const stats = proxy.stats()
  expect(stats.connAccepted).toBe(rounds)
  expect(stats.connections.filter((c) => c.end === 'open')).toEqual([])
  // Still serving: a clean connection afterwards goes through (target mode cycles back to echo).
  proxy.clear()
  let echoed = false
  for (let attempt = 0; attempt < 4 && !echoed; attempt++) {
    const socket = await connect(proxy.port)
    socket.on('error', () => {})
    const got = await new Promise<string>((resolve) => {
      let text = ''
      socket.on('data', (c: Buffer) => {
        text += c.toString()
      })
      socket.on('close', () => resolve(text))
      socket.end('ping')
      setTimeout(() => socket.destroy(), 2000)
    })
    echoed = got === 'ping'
  }
  expect(echoed).toBe(true)
})
