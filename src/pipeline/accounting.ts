import type { HopReport, ImpairmentReport, PipelineAccounting, SinkReport } from './report.js'

/** Balance the run: every generated packet is delivered or dropped at a named place. */
export function account(
  generated: number,
  hops: readonly HopReport[],
  impairments: readonly ImpairmentReport[],
  sink: SinkReport,
): PipelineAccounting {
  const drops: Record<string, number> = {}
  const before = (position: number) => {
    const impairment = impairments.find((i) => i.between[1] === position)
    if (impairment) {
      drops[impairment.place] = impairment.dropped
      drops[`${impairment.place}.kernel`] = impairment.kernelDrops
    }
  }
  for (const hop of hops) {
    before(hop.hop)
    const at = `hop${hop.hop}`
    drops[`${at}.kernel`] = hop.kernelDrops
    drops[`${at}.parseErrors`] = hop.parseLost
    drops[`${at}.bufExhaust`] = hop.bufExhaust
    drops[`${at}.sendErrors`] = hop.sendErrors
    drops[`${at}.queued`] = hop.inPool
  }
  before(hops.length + 1)
  drops['sink.kernel'] = sink.kernelDrops
  drops['sink.parseErrors'] = sink.parseLost
  drops['sink.corrupted'] = sink.corrupted
  // Duplicates an impairment added are packets no one generated: they offset the drops they caused.
  const added = impairments.reduce((sum, i) => sum + i.duplicated, 0)
  const explained = Object.values(drops).reduce((sum, n) => sum + n, 0)
  return {
    generated,
    delivered: sink.delivered,
    drops,
    explained,
    unexplainedLoss: generated + added - sink.duplicated - sink.delivered - explained,
  }
}

/** Places with at least one drop, largest first. */
export function dropPlaces(accounting: PipelineAccounting): [string, number][] {
  return Object.entries(accounting.drops)
    .filter(([, n]) => n !== 0)
    .sort(([, a], [, b]) => b - a)
}
