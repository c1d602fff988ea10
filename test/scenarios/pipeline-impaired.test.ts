// 2 % loss between hop 1 and hop 2: the drops are the impairment's, and the accounting says so.
import { expect, test } from '../../src/vitest/index.js'

test('2 % loss between hop 1 and 2 is attributed to impair1', async ({ fabric }) => {
  const report = await fabric.pipeline({
    hops: 3,
    pps: 10_000,
    count: 10_000,
    impair: [{ between: [1, 2], impairments: [{ kind: 'loss', rate: 0.02 }] }],
  })
  const [impair1] = report.impairments
  expect(impair1).toMatchObject({ place: 'impair1', between: [1, 2], packetsIn: 10_000 })
  // 2 % of 10,000 is 200, give or take a few binomial deviations (sd ~14).
  expect(impair1!.dropped).toBeGreaterThan(120)
  expect(impair1!.dropped).toBeLessThan(280)
  expect(report.hops[1]!.received).toBe(10_000 - impair1!.dropped)
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
