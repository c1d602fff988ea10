// The seed's isolation: each hop in its own network namespace, joined by veth pairs the pipeline
// creates and removes. Needs root and iproute2; skips with the reason otherwise.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { matchers, RunError, runPipeline } from '../../src/index.js'
import { ipBinary, namespacesUnavailable } from '../../src/pipeline/netns.js'

expect.extend(matchers)

const reason = namespacesUnavailable()
if (reason) console.log(`pipeline in network namespaces: skipped (${reason})`)

/** The pipeline's namespaces and veths present now. */
function leftovers(): string[] {
  const ip = ipBinary()!
  const namespaces = execFileSync(ip, ['netns', 'list'], { encoding: 'utf8' })
  const links = execFileSync(ip, ['-o', 'link', 'show'], { encoding: 'utf8' })
  return [...namespaces.split('\n'), ...links.split('\n')].filter((line) =>
    /\bqsp-|\bqp[0-9a-z]{5}\d+[ab]\b/.test(line),
  )
}

/** The pid of the namespaced hop process that listens on `host` (its HopData is its last argument). */
function hopProcessOn(host: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let argv: string[]
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')
    } catch {
      continue // it exited while we looked
    }
    if (!argv.some((arg) => /hop-process\.(m?js)$/.test(arg))) continue
    if (argv.some((arg) => arg.startsWith('{') && JSON.parse(arg).host === host)) return Number(entry)
  }
  return undefined
}

describe.skipIf(reason !== undefined)('pipeline in network namespaces', () => {
  test('over capacity across namespaces: drops only at the slow hop buffer, every namespace removed after', async () => {
    const before = leftovers()
    let addresses: string[] = []
    let during: string[] = []
    const report = await runPipeline({
      hops: [{}, { delayUs: 500 }, {}],
      pps: 4000,
      count: 4000,
      bufferPackets: 128,
      namespaces: true,
      onStart: (hops) => {
        addresses = hops.map((h) => h.address)
        during = leftovers()
      },
    })
    // Only addresses inside the namespaces the pipeline made, never loopback.
    expect(addresses).toHaveLength(3)
    // Three namespaces, and the two veth ends in this namespace (the others are inside theirs).
    expect(during.length - before.length).toBe(3 + 2)
    for (const address of addresses) expect(address).toMatch(/^10\.\d+\.\d+\.\d+:5000$/)
    expect(report.hops.map((h) => h.kind)).toEqual(['relay', 'relay', 'relay'])
    expect(report.hops[0]!.received).toBe(4000)
    expect(report.hops[1]!.bufExhaust).toBeGreaterThan(0)
    expect(report.sink.delivered).toBe(4000 - report.hops[1]!.bufExhaust)
    expect(report).toDropOnlyAt('hop2.bufExhaust')
    expect(report).toConservePackets()
    expect(leftovers()).toEqual(before)
  })

  test('a run that fails still removes its namespaces and veths', async () => {
    const before = leftovers()
    await expect(
      runPipeline({
        hops: 2,
        pps: 1000,
        count: 100_000,
        namespaces: true,
        onStart: () => {
          throw new Error('test refused to start')
        },
      }),
    ).rejects.toThrow('test refused to start')
    expect(leftovers()).toEqual(before)
  })

  test('a namespaced hop killed mid-run fails the run naming it and the signal; namespaces removed', async () => {
    const before = leftovers()
    let killed: number | undefined
    const error = await runPipeline({
      hops: 3,
      pps: 2000,
      // Far more than runs before the kill: the run must end on the crash, not run out its packets.
      count: 200_000,
      namespaces: true,
      onStart: async (hops) => {
        await hops[1]!.stats()
        killed = hopProcessOn(hops[1]!.host)
        if (killed !== undefined) process.kill(killed, 'SIGKILL')
      },
    }).catch((e: unknown) => e)
    expect(killed).toBeGreaterThan(0)
    expect(error).toBeInstanceOf(RunError)
    expect((error as Error).message).toMatch(
      /^pipeline hop 2 \(namespace qsp-[0-9a-z]+-2\) crashed mid-run \(was killed by SIGKILL\) on 10\.\d+\.\d+\.\d+:5000; its last output:\n(.*\n)*\[STATS:Egress\] hop=2 /,
    )
    expect(leftovers()).toEqual(before)
  })

  test('the MTU check uses the veth MTU', async () => {
    await expect(
      runPipeline({ hops: 1, pps: 100, count: 10, packetSize: 1473, namespaces: true }),
    ).rejects.toThrow(
      'packetSize 1473 + 28 bytes of IP/UDP headers = 1501 bytes is over the path MTU of 1500 bytes (the veth pairs between the namespaces)',
    )
  })
})
