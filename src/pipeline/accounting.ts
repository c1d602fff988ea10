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
  const unobserved: string[] = []
  for (const hop of hops) {
    before(hop.hop)
    const at = `hop${hop.hop}`
    if (!hop.observed) {
      // Its own counters are unknown: what went in and did not come out is its loss.
      const lost = unobservedLoss(hop.hop, generated, hops, impairments, sink)
      drops[`${at}.kernel`] = hop.kernelDrops
      if (lost === undefined) unobserved.push(`${at}.unobserved`)
      else drops[`${at}.unobserved`] = lost - hop.kernelDrops
      continue
    }
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
  let explained = Object.values(drops).reduce((sum, n) => sum + n, 0)
  let unexplainedLoss = generated + added - sink.duplicated - sink.delivered - explained
  // Unobserved hops side by side: their loss together is what the rest leaves, put at the first.
  if (unobserved.length > 0) {
    for (const place of unobserved) drops[place] = 0
    drops[unobserved[0]!] = unexplainedLoss
    explained += unexplainedLoss
    unexplainedLoss = 0
  }
  return { generated, delivered: sink.delivered, drops, explained, unexplainedLoss }
}

/** Pipeline packets that reached an element: its datagrams less the foreign ones. */
function intake(received: number, parseErrors: number, parseLost: number): number {
  return received - (parseErrors - parseLost)
}

/**
 * Packets that went into unobserved hop `n` and did not come out, from its neighbours' counters
 * (kernel drops at its socket included); undefined when a neighbour is unobserved too.
 */
function unobservedLoss(
  n: number,
  generated: number,
  hops: readonly HopReport[],
  impairments: readonly ImpairmentReport[],
  sink: SinkReport,
): number | undefined {
  const proxyIn = impairments.find((i) => i.between[1] === n)
  const proxyOut = impairments.find((i) => i.between[0] === n)
  const upstream = hops[n - 2]
  const downstream = hops[n]
  let into: number | undefined
  if (proxyIn) into = proxyIn.packetsOut
  else if (n === 1) into = generated
  else if (upstream?.observed) into = upstream.sent
  let out: number | undefined
  if (proxyOut) out = proxyOut.packetsIn + proxyOut.kernelDrops
  else if (n === hops.length) out = intake(sink.received, sink.parseErrors, sink.parseLost) + sink.kernelDrops
  else if (downstream?.observed)
    out = intake(downstream.received, downstream.parseErrors, downstream.parseLost) + downstream.kernelDrops
  return into === undefined || out === undefined ? undefined : into - out
}

/** Places with at least one drop, largest first. */
export function dropPlaces(accounting: PipelineAccounting): [string, number][] {
  return Object.entries(accounting.drops)
    .filter(([, n]) => n !== 0)
    .sort(([, a], [, b]) => b - a)
}
