import { usePipeline, useRelay } from 'quicksand/jest'

const relays = useRelay()
const pipelines = usePipeline()

test('a relay delivers through useRelay() under Jest', async () => {
  const peer = await relays.peer({ transport: 'tcp' })
  const relay = await relays.relay({ peer })
  expect(await relay.submit('a', Buffer.from('hello'))).toMatchObject({ delivered: true })
  expect(peer.received().map((r) => r.id)).toEqual(['a'])
})

test('a pipeline runs through usePipeline() under Jest', async () => {
  const report = await pipelines.pipeline({ hops: 2, pps: 1000, count: 1000 })
  expect(report.sink.delivered).toBe(1000)
  expect(report).toConservePackets()
})
