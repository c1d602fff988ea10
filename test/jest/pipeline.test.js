import { usePipeline } from 'quicksand/jest'

const fabric = usePipeline()

test('usePipeline() runs a pipeline with the pipeline matchers registered', async () => {
  const report = await fabric.pipeline({
    hops: 2,
    pps: 2000,
    count: 2000,
    impair: [{ between: [1, 2], impairments: [{ kind: 'loss', rate: 0.05 }] }],
  })
  expect(report.impairments[0].dropped).toBeGreaterThan(0)
  expect(report.sink.delivered + report.impairments[0].dropped).toBe(2000)
  expect(report).toConservePackets()
  expect(report).toDropOnlyAt('impair1')
  expect(() => expect(report).toDropOnlyAt('hop1.bufExhaust')).toThrow('drops at impair1')
}, 20_000)
