// 2 % loss between hop 1 and hop 2: the drops are the impairment's, and the accounting says so.
import { expect, test } from '../../src/vitest/index.js'

test('2 % loss between hop 1 and 2 is attributed to impair1', async ({ fabric }) => {
  const report = await fabric.pipeline({
    hops: 3,
    // A rate a loaded 2-core machine keeps up with, so the impairment is the only place that drops.
    pps: 4000,
    count: 8000,
    impair: [{ between: [1, 2], impairments: [{ kind: 'loss', rate: 0.02 }] }],
  })
  const [impair1] = report.impairments
  expect(impair1).toMatchObject({ place: 'impair1', between: [1, 2], packetsIn: 8000 })
  // 2 % of 8,000 is 160, give or take a few binomial deviations (sd ~12.5).
  expect(impair1!.dropped).toBeGreaterThan(100)
  expect(impair1!.dropped).toBeLessThan(220)
  expect(report.hops[1]!.received).toBe(8000 - impair1!.dropped)
  expect(report.sink.delivered + impair1!.dropped).toBe(report.generator.generated)
  expect(report).toDropOnlyAt('impair1')
  expect(report).toConservePackets()
})

test('duplicates and bit flips before the sink are counted there, and the accounting still balances', async ({
  fabric,
}) => {
  const report = await fabric.pipeline({
    hops: 1,
    pps: 5000,
    count: 5000,
    impair: [
      {
        between: [1, 2],
        impairments: [
          { kind: 'duplicate', rate: 0.05 },
          { kind: 'corrupt', rate: 0.05 },
        ],
      },
    ],
  })
  const [impair] = report.impairments
  expect(impair!.duplicated).toBeGreaterThan(0)
  expect(impair!.corrupted).toBeGreaterThan(0)
  expect(report.sink.duplicated).toBeGreaterThan(0)
  // A flipped bit is caught by the checksum, or by the parser when it hit the header's magic.
  expect(report.sink.corrupted + report.sink.parseLost).toBe(impair!.corrupted)
  expect(report).toDropOnlyAt('sink.corrupted', 'sink.parseErrors')
  expect(report).toConservePackets()
})
