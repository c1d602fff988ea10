// The seed's truncation panic, as a test: short datagrams and foreign traffic sent into hop 2 in
// the middle of a run are parse errors; the hop carries on and every pipeline packet arrives.
import dgram from 'node:dgram'
import type { PipelineHopHandle } from '../../src/index.js'
import { expect, test } from '../../src/vitest/index.js'
import { sleep } from '../helpers/wait.js'

async function sendGarbage(hop: PipelineHopHandle): Promise<void> {
  // Mid-run: once hop 2 has relayed a good share of the run.
  for (let i = 0; i < 400 && (await hop.stats()).matched < 3000; i++) await sleep(5)
  const socket = dgram.createSocket('udp4')
  try {
    for (let i = 0; i < 20; i++) {
      socket.send(Buffer.from([1, 2, 3, 4, 5]), hop.port, hop.host)
      socket.send(
        Buffer.from(`GET / HTTP/1.1\r\nHost: localhost\r\n\r\n${'x'.repeat(150)}`),
        hop.port,
        hop.host,
      )
    }
    await new Promise<void>((resolve) => socket.send(Buffer.alloc(0), hop.port, hop.host, () => resolve()))
  } finally {
    socket.close()
  }
}

test('garbage into hop 2 mid-run: counted as parse errors, the pipeline carries on', async ({ fabric }) => {
  let matchedAtGarbage = 0
  const report = await fabric.pipeline({
    hops: 3,
    pps: 10_000,
    count: 15_000,
    onStart: async (hops) => {
      expect(hops.map((h) => h.hop)).toEqual([1, 2, 3])
      await sendGarbage(hops[1]!)
      matchedAtGarbage = (await hops[1]!.stats()).matched
    },
  })
  const hop2 = report.hops[1]!
  expect(matchedAtGarbage).toBeGreaterThan(0)
  expect(matchedAtGarbage).toBeLessThan(15_000)
  // 20 short, 20 foreign and one empty datagram.
  expect(hop2.parseErrors).toBe(41)
  expect(hop2.parseLost).toBe(0)
  expect(hop2.received).toBe(15_000 + 41)
  expect(report.sink.delivered).toBe(15_000)
  expect(report).toDropOnlyAt('hop2.parseErrors')
  expect(report.accounting.explained).toBe(0)
  expect(report).toConservePackets()
})
