import { beforeAll, expect, test } from 'vitest'
import { matchers, type PipelineReport, runPipeline } from '../../src/index.js'

expect.extend(matchers)

let report: PipelineReport

beforeAll(async () => {
  report = await runPipeline({ hops: [{}, { delayUs: 1000 }], pps: 4000, count: 2000, bufferPackets: 64 })
}, 20_000)

/** The report with `n` more packets dropped at `place` and not delivered. */
function withDrops(place: string, n: number): PipelineReport {
  const copy = structuredClone(report)
  copy.accounting.drops[place] = (copy.accounting.drops[place] ?? 0) + n
  copy.accounting.explained += n
  copy.accounting.unexplainedLoss -= n
  return copy
}

test('toConservePackets passes on a balanced run and prints the per-hop table when negated', () => {
  expect(report.hops[1]!.bufExhaust).toBeGreaterThan(0)
  expect(report).toConservePackets()
  expect(() => expect(report).not.toConservePackets()).toThrow(
    /hop2 \(1000us\)[\s\S]*accounting generated 2000 = delivered \d+ \+ drops \d+ \(hop2\.bufExhaust \d+\) \+ unexplained 0/,
  )
  const lossy = structuredClone(report)
  lossy.accounting.unexplainedLoss = 7
  expect(() => expect(lossy).toConservePackets()).toThrow('unexplainedLoss 7')
})

test('toDropOnlyAt names the places that dropped besides the allowed ones', () => {
  expect(report).toDropOnlyAt('hop2.bufExhaust')
  expect(report).toDropOnlyAt('hop2')
  expect(() => expect(report).toDropOnlyAt('hop1.bufExhaust')).toThrow(/drops at hop2\.bufExhaust \d+/)
  expect(() => expect(withDrops('hop1.kernel', 3)).toDropOnlyAt('hop2.bufExhaust')).toThrow(
    'drops at hop1.kernel 3',
  )
  expect(() => expect(report).toDropOnlyAt('hop2.bogus!')).toThrow(
    "takes drop places such as 'hop2.bufExhaust'",
  )
})

test('toSustainPps compares the delivered rate', () => {
  const pps = report.sink.deliveredPps
  expect(report).toSustainPps(pps)
  expect(() => expect(report).toSustainPps(pps + 1)).toThrow(`${pps} pps delivered`)
})

test('the pipeline matchers refuse what is not a pipeline report', () => {
  expect(() => expect({ kind: 'load' }).toConservePackets()).toThrow(
    "received is not a quicksand PipelineReport: kind is 'load', not 'pipeline'",
  )
  expect(() => expect(Promise.resolve(report)).toDropOnlyAt('impair1')).toThrow('await fabric.pipeline()')
})
