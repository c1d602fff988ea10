// The seed's 3-hop run, compressed: one hop is made slower than the offered rate, so its buffer
// pool fills and drops, and the telemetry must say so and nowhere else; at a rate that hop can
// carry, nothing drops at all.
import { expect, test } from '../../src/vitest/index.js'

// hop 2 sends one packet per 500 µs: a capacity of 2,000 packets per second.
const SLOW_HOPS = [{}, { delayUs: 500 }, {}]

test('over capacity: drops only at the slow hop buffer, no errors, nothing unexplained', async ({
  fabric,
}) => {
  const report = await fabric.pipeline({ hops: SLOW_HOPS, pps: 8000, count: 8000, bufferPackets: 256 })
  const [hop1, hop2, hop3] = report.hops
  expect(report.generator.generated).toBe(8000)
  expect(hop2!.bufExhaust).toBeGreaterThan(0)
  // What hop 2 took in and did not drop at its pool, it sent on; hop 3 got all of it.
  expect(hop2!.matched - hop2!.bufExhaust).toBe(hop2!.sent)
  expect(hop3!.received).toBe(hop2!.sent)
  expect(report.sink.delivered).toBe(hop2!.sent)
  expect(hop1!.bufExhaust + hop3!.bufExhaust).toBe(0)
  expect(report.hops.map((h) => h.sendErrors + h.parseErrors)).toEqual([0, 0, 0])
  expect(report.accounting.drops['hop2.bufExhaust']).toBe(hop2!.bufExhaust)
  expect(report.accounting.unexplainedLoss).toBe(0)
  expect(report).toDropOnlyAt('hop2.bufExhaust')
  expect(report).toConservePackets()
})

test('at a rate the slow hop carries: nothing drops anywhere', async ({ fabric }) => {
  const report = await fabric.pipeline({ hops: SLOW_HOPS, pps: 1000, count: 1000, bufferPackets: 256 })
  expect(report.sink.delivered).toBe(1000)
  expect(report.accounting.explained).toBe(0)
  expect(report.sink).toMatchObject({ duplicated: 0, corrupted: 0, reordered: 0 })
  expect(report.hops.map((h) => h.sent)).toEqual([1000, 1000, 1000])
  expect(report).toConservePackets()
})
