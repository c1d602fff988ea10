import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'
import { runRelayLab } from '../../src/relay/lab.js'
import { expect, test } from '../../src/vitest/index.js'

// The relay impairment lab (VAL19): seeded segments, the lab's proxy modes, the 10 checks.
const folders: string[] = []
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true })
})

test('VAL19 through proxy.tcp(): all 10 checks pass, with the evidence bundle', async ({ fabric, proxy }) => {
  const peer = await fabric.peer({ transport: 'tcp' })
  const front = await proxy.tcp({ target: peer.url })
  const relay = await fabric.relay({ peer: front, transport: 'tcp' })
  const evidenceDir = mkdtempSync(join(tmpdir(), 'quicksand-val19-'))
  folders.push(evidenceDir)

  const matrix = await runRelayLab({ relay, peer, proxy: front, evidenceDir })

  expect(matrix).toPassCheckMatrix()
  expect(matrix.summary).toEqual({ pass: 10, fail: 0, notApplicable: 0, total: 10 })
  // Every segment reached the peer exactly once, and nothing is left in the deadletter queue.
  expect(
    peer
      .received()
      .map((r) => r.id)
      .sort(),
  ).toEqual(matrix.ledger.map((s) => s.id).sort())
  expect(relay.deadletters()).toEqual([])
  // The cut retry of seg-10 is in its ledger: seeded failure, cut attempt, clean delivery.
  const seg10 = matrix.ledger.find((s) => s.id === 'seg-10')
  expect(seg10?.attempts.map((a) => a.ok)).toEqual([false, false, true])
  expect(seg10?.attempts[0]?.error).toBe('seed: peer unreachable')
  // The 1 Mbps check moved the 128 KiB segment plus framing on one connection, no faster than the limit.
  const oneMbps = matrix.throughput.bandwidth1Mbps
  expect(oneMbps?.source).toBe('proxy')
  expect(oneMbps?.bytes).toBeGreaterThan(128 * 1024)
  expect(oneMbps?.bps).toBeLessThanOrEqual(1_050_000)
  expect(matrix.checks.find((c) => c.id === 'VAL19-02')?.proxyStats.conn_dropped).toBeGreaterThanOrEqual(1)

  const report = readFileSync(join(evidenceDir, 'report.txt'), 'utf8')
  expect(report).toContain('VAL19-04 data_integrity: PASS (size=64 expected=64)')
  expect(report).toContain('VAL19-05 repeated_outage_resilience: PASS (3/3 delivered)')
  expect(report).toContain('pass=10 fail=0 total=10')
  const json = JSON.parse(readFileSync(join(evidenceDir, 'report.json'), 'utf8'))
  expect(json.outcome).toBe('PASS')
  expect(json.ledger).toHaveLength(10)
  expect(json.checks[5].proxyStats).toHaveProperty('last_conn_bytes')
})

test('VAL19 through proxy.udp() in front of a QUIC peer: every check whose mode exists on UDP passes', async ({
  fabric,
  proxy,
}) => {
  const peer = await fabric.peer({ transport: 'quic' })
  const front = await proxy.udp({ target: peer.url })
  // A blackholed QUIC dial only ends at its deadline; 1 s keeps the outage checks short and still
  // lets a handshake through the 500 ms delay.
  const relay = await fabric.relay({ peer: front, transport: 'quic', dialTimeout: 1000 })

  const matrix = await runRelayLab({ relay, peer, proxy: front })

  expect(matrix).toPassCheckMatrix()
  expect(matrix.summary).toEqual({ pass: 9, fail: 0, notApplicable: 1, total: 10 })
  expect(matrix.checks.at(-1)).toMatchObject({ id: 'VAL19-10', status: 'n/a' })
  expect(peer.received()).toHaveLength(9)
  expect(relay.deadletters().map((d) => d.id)).toEqual(['seg-10'])
})

test('toPassCheckMatrix prints the table and applies the PARTIAL and FAIL rules', async ({
  fabric,
  proxy,
}) => {
  const peer = await fabric.peer({ transport: 'tcp' })
  const front = await proxy.tcp({ target: peer.url })
  const relay = await fabric.relay({ peer: front })
  const matrix = await runRelayLab({ relay, peer, proxy: front })
  // Bandwidth failing leaves store-and-forward intact: PARTIAL, which is not a pass.
  const partial = {
    ...matrix,
    checks: matrix.checks.map((c) => (c.id === 'VAL19-06' ? { ...c, status: 'fail' as const } : c)),
  }
  expect(partial).not.toPassCheckMatrix()
  expect(() => expect(partial).toPassCheckMatrix()).toThrow(
    /PARTIAL[\s\S]*VAL19-06 bandwidth_1mbps_delivery: FAIL[\s\S]*pass=9 fail=1 total=10/,
  )
  const broken = {
    ...matrix,
    checks: matrix.checks.map((c) => (c.id === 'VAL19-04' ? { ...c, status: 'fail' as const } : c)),
  }
  expect(() => expect(broken).toPassCheckMatrix()).toThrow(/it is \S*"FAIL"/)
  expect(() => expect({ checks: [] }).toPassCheckMatrix()).toThrow(/Expected a relay check matrix/)
})
