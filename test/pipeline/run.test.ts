import dgram from 'node:dgram'
import { afterEach, expect, test, vi } from 'vitest'
import { createFabricFixture, matchers, RunError, runPipeline } from '../../src/index.js'
import { udpSocketDrops } from '../../src/pipeline/kernel.js'

expect.extend(matchers)

afterEach(() => {
  vi.restoreAllMocks()
})

test('stats: true prints the seed-style lines per hop, and the report carries per-second samples', async () => {
  const lines: string[] = []
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
    lines.push(String(line))
  })
  const report = await runPipeline({ hops: 2, pps: 2000, duration: '1200ms', stats: true, packetSize: 200 })
  expect(report.generator.generated).toBe(2400)
  expect(report.sink.delivered).toBe(2400)
  expect(
    lines.some((l) =>
      /^\[STATS:Ingress\] hop=1 recv=\d+ matched=\d+ buf_exhaust=0 parse_errors=0 kernel_drops=0 pps=\d+$/.test(
        l,
      ),
    ),
  ).toBe(true)
  expect(
    lines.some((l) =>
      /^\[STATS:Egress\] hop=2 submitted=\d+ sent=\d+ errors=0 bytes=\d+ queued=\d+ pps=\d+$/.test(l),
    ),
  ).toBe(true)
  // Every sample interval adds up to the run's totals.
  const sum = (key: string) => report.timeline.reduce((n, s) => n + (s[key] ?? 0), 0)
  expect(report.timeline.length).toBeGreaterThanOrEqual(2)
  expect(sum('hop1.received')).toBe(2400)
  expect(sum('hop2.bytes')).toBe(2400 * 200)
  expect(sum('sink.delivered')).toBe(2400)
  expect(report.hops[0]!.recvBufferBytes).toBeGreaterThan(212_992)
  expect(report).toConservePackets()
})

test('closeAll() during a run aborts it and closes every socket the pipeline opened', async () => {
  const fabric = createFabricFixture()
  let ports: number[] = []
  const run = fabric.pipeline({
    hops: 2,
    pps: 1000,
    duration: '20s',
    onStart: (hops) => {
      ports = hops.map((h) => h.port)
    },
  })
  const rejected = expect(run).rejects.toThrow(RunError)
  for (let i = 0; i < 400 && ports.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
  expect(udpSocketDrops(ports)?.size).toBe(2)
  await fabric.closeAll()
  await rejected
  expect(udpSocketDrops(ports)?.size).toBe(0)
})

test('a failing onStart fails the run and stops everything', async () => {
  let ports: number[] = []
  await expect(
    runPipeline({
      hops: 1,
      pps: 1000,
      count: 100_000,
      onStart: (hops) => {
        ports = hops.map((h) => h.port)
        throw new Error('test refused to start')
      },
    }),
  ).rejects.toThrow('test refused to start')
  expect(ports).toHaveLength(1)
  expect(udpSocketDrops(ports)?.size).toBe(0)
})

test('packets an impairment holds longer than the drain stillness (300 ms latency) are waited for', async () => {
  // 50 packets leave in ~25 ms, then nothing moves while the proxy holds them for 300 ms.
  const report = await runPipeline({
    hops: 2,
    pps: 2000,
    count: 50,
    packetSize: 200,
    impair: [{ between: [1, 2], impairments: [{ kind: 'latency', ms: 300 }] }],
  })
  expect(report.impairments[0]).toMatchObject({ packetsIn: 50, packetsOut: 50 })
  expect(report.sink.delivered).toBe(50)
  expect(report.accounting.drops['hop2.queued']).toBe(0)
  expect(report).toConservePackets()
})

test('a foreign datagram of exactly the packet size is a parse error, not a lost pipeline packet', async () => {
  const report = await runPipeline({
    hops: 1,
    pps: 1000,
    count: 300,
    packetSize: 200,
    onStart: async ([hop]) => {
      const socket = dgram.createSocket('udp4')
      await new Promise<void>((resolve, reject) =>
        socket.send(Buffer.alloc(200, 0xab), hop!.port, hop!.host, (error) =>
          error ? reject(error) : resolve(),
        ),
      )
      socket.close()
      // Wait until the hop has read it, so it is counted before the run ends.
      for (let i = 0; i < 100 && (await hop!.stats()).parseErrors === 0; i++)
        await new Promise((r) => setTimeout(r, 10))
    },
  })
  expect(report.hops[0]).toMatchObject({ parseErrors: 1, parseLost: 0 })
  expect(report.sink.delivered).toBe(300)
  expect(report.accounting.drops['hop1.parseErrors']).toBe(0)
  expect(report).toConservePackets()
})
