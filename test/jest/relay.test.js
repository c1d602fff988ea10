import { runRelayLab } from 'quicksand'
import { useProxy, useRelay } from 'quicksand/jest'

const fabric = useRelay()
const proxy = useProxy()
let lastRelay

test('useRelay() starts a peer and a relay that delivers to it once', async () => {
  const peer = await fabric.peer({ transport: 'tcp' })
  const relay = await fabric.relay({ peer })
  lastRelay = relay
  const bytes = Buffer.alloc(1000, 5)
  expect(await relay.submit('jest-1', bytes)).toEqual({ id: 'jest-1', delivered: true })
  expect(await relay.submit('jest-1', bytes)).toEqual({ id: 'jest-1', delivered: true })
  expect(peer.received().map((r) => [r.id, r.size])).toEqual([['jest-1', 1000]])
})

test('relays started by useRelay() are stopped after each test', () => {
  expect(lastRelay).toBeDefined()
  expect(lastRelay.running).toBe(false)
})

test('toPassCheckMatrix is registered for Jest and passes the lab over TCP', async () => {
  const peer = await fabric.peer({ transport: 'tcp' })
  const front = await proxy.tcp({ target: peer.url })
  const relay = await fabric.relay({ peer: front })
  const matrix = await runRelayLab({ relay, peer, proxy: front })
  expect(matrix).toPassCheckMatrix()
  const failed = { ...matrix, checks: matrix.checks.map((c) => ({ ...c, status: 'fail' })) }
  expect(failed).not.toPassCheckMatrix()
})
