// The relay impairment lab (VAL19) as a procedure over a relay, the peer it delivers to and the
// impairment proxy between them. Outage cycles are driven by the proxy's state and the ledger's,
// never by sleeps: a retry under an outage ends when its attempt fails, and the next step starts then.
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '../errors/config-error.js'
import { rejectUnknownKeys } from '../errors/field-error.js'
import { type LabMode, labImpairments, labStats } from '../proxy/control/lab.js'
import type { Impairment, ImpairmentProxy } from '../proxy/types.js'
import {
  type CheckId,
  type CheckMatrix,
  type CheckResult,
  type CheckStatus,
  LAB_CHECKS,
  matrixOutcome,
  reportText,
  type Throughput,
} from './check-matrix.js'
import type { RelayPeer } from './peer.js'
import type { Relay } from './relay.js'

/** What runRelayLab needs. */
export interface RelayLabOptions {
  /** A relay whose peer is `proxy`. */
  relay: Relay
  /** The peer behind the proxy. */
  peer: RelayPeer
  /** proxy.tcp() in front of a TCP peer, or proxy.udp() in front of a QUIC peer. */
  proxy: ImpairmentProxy
  /** Where to write report.txt and report.json; nothing is written when left out. */
  evidenceDir?: string
}

/** The lab's segments: id, size and which check uses it. */
export const LAB_SEGMENTS = [
  ['seg-01', 64],
  ['seg-02', 64],
  ['seg-03', 64],
  ['seg-04', 64],
  ['seg-05', 64],
  ['seg-06', 128 * 1024],
  ['seg-07', 128 * 1024],
  ['seg-08', 64],
  ['seg-09', 64],
  ['seg-10', 4096],
] as const

const SEED_ERROR = 'seed: peer unreachable'

/** Deterministic bytes of a lab segment. */
function segmentBytes(id: string, size: number): Buffer {
  const out = Buffer.alloc(size)
  let block = Buffer.alloc(0)
  for (let at = 0; at < size; at += 32) {
    block = createHash('sha256').update(`${id}/${at}`).digest()
    block.copy(out, at)
  }
  return out
}

const LAB_KEYS = ['relay', 'peer', 'proxy', 'evidenceDir']

/** Runs the lab's 10 checks and returns the matrix; writes the evidence bundle when asked. */
export async function runRelayLab(options: RelayLabOptions): Promise<CheckMatrix> {
  rejectUnknownKeys(options, LAB_KEYS, 'relay lab options', ConfigError)
  const { relay, peer, proxy } = options
  if (relay.peer !== proxy.url) {
    throw new ConfigError('relay', relay.peer, `a relay whose peer is the proxy ${proxy.url}`)
  }
  const protocol = proxy.protocol === 'udp' ? 'udp' : 'tcp'
  const mode = (m: LabMode, value = 0): Impairment[] => labImpairments({ mode: m, value }, protocol)
  // The lab's delay is a pre-dial delay; a UDP proxy has no dial, so there every datagram towards
  // the peer waits that long, which delays the QUIC handshake by the same amount.
  const delay = (ms: number): Impairment[] =>
    protocol === 'tcp' ? mode('delay', ms) : [{ kind: 'latency', ms, direction: 'upstream' }]

  const bytes = new Map<string, Buffer>()
  for (const [id, size] of LAB_SEGMENTS) {
    const data = segmentBytes(id, size)
    bytes.set(id, data)
    await relay.submit(id, data, { seedFailed: SEED_ERROR })
  }
  const received = (id: string) => peer.received().find((r) => r.id === id)
  const isDead = (id: string) => relay.deadletters().some((d) => d.id === id)
  // A TCP proxy's stats describe the last connection once it has closed; wait for that, bounded.
  const settled = async () => {
    // A UDP flow only ends when it idles: there is nothing to wait for.
    if (protocol === 'udp') return
    const deadline = performance.now() + 2000
    while (proxy.stats().activeConn > 0 && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 5))
  }
  const checks: CheckResult[] = []
  const record = async (id: CheckId, status: CheckStatus, detail: string) => {
    await settled()
    const name = LAB_CHECKS.find(([checkId]) => checkId === id)?.[1] ?? id
    checks.push({ id, name, status, detail, proxyStats: labStats(proxy.stats()) })
  }
  const deliveredNow = async (id: string) => {
    const result = await relay.retry(id)
    return result.delivered.includes(id) && received(id) !== undefined
  }
  const throughput: Throughput = {}

  // 01: clean baseline.
  proxy.set(mode('clean'))
  const clean = await deliveredNow('seg-01')
  await record('VAL19-01', clean ? 'pass' : 'fail', clean ? '' : lastError(relay, 'seg-01'))

  // 02: outage, the retry fails and the segment stays in the deadletter queue.
  proxy.set(mode('drop'))
  const outage = await relay.retry('seg-02')
  const accumulated = outage.dead.includes('seg-02') && isDead('seg-02') && received('seg-02') === undefined
  await record(
    'VAL19-02',
    accumulated ? 'pass' : 'fail',
    accumulated ? '' : 'seg-02 was not dead after the outage retry',
  )

  // 03: the outage ends, the retry delivers.
  proxy.set(mode('clean'))
  const recovered = await deliveredNow('seg-02')
  await record('VAL19-03', recovered ? 'pass' : 'fail', recovered ? '' : lastError(relay, 'seg-02'))

  // 04: what the peer recorded for the baseline is what was submitted.
  const got = received('seg-01')
  const expected = bytes.get('seg-01') as Buffer
  const intact =
    got?.size === expected.length && got.sha256 === createHash('sha256').update(expected).digest('hex')
  await record(
    'VAL19-04',
    intact ? 'pass' : 'fail',
    `size=${got?.size ?? 'missing'} expected=${expected.length}`,
  )

  // 05: three outage cycles, each segment dead under the outage and delivered after it.
  let cycles = 0
  for (const id of ['seg-03', 'seg-04', 'seg-05']) {
    proxy.set(mode('drop'))
    const down = await relay.retry(id)
    proxy.set(mode('clean'))
    if (down.dead.includes(id) && (await deliveredNow(id))) cycles++
  }
  await record('VAL19-05', cycles === 3 ? 'pass' : 'fail', `${cycles}/3 delivered`)

  // 06, 07: 128 KiB under a bandwidth limit; throughput from the proxy's last connection.
  for (const [id, check, limit, key] of [
    ['seg-06', 'VAL19-06', 1_000_000, 'bandwidth1Mbps'],
    ['seg-07', 'VAL19-07', 10_000_000, 'bandwidth10Mbps'],
  ] as const) {
    proxy.set(mode('bandwidth', limit))
    proxy.reset()
    const ok = await deliveredNow(id)
    proxy.set(mode('clean'))
    await settled()
    const stats = proxy.stats()
    const attempt = relay.ledger(id)?.attempts.at(-1)
    // A UDP flow stays open until it idles, so there the ledger's attempt gives bytes and time.
    const measured =
      protocol === 'tcp' && stats.lastConnMs > 0
        ? {
            bps: (stats.lastConnBytes * 8000) / stats.lastConnMs,
            ms: stats.lastConnMs,
            bytes: stats.lastConnBytes,
            source: 'proxy' as const,
          }
        : attempt && attempt.ms > 0
          ? {
              bps: (attempt.bytes * 8000) / attempt.ms,
              ms: attempt.ms,
              bytes: attempt.bytes,
              source: 'ledger' as const,
            }
          : undefined
    if (measured) throughput[key] = { ...measured, bps: Math.round(measured.bps) }
    await record(
      check,
      ok ? 'pass' : 'fail',
      ok ? `${Math.round(measured?.bps ?? 0)} bps` : lastError(relay, id),
    )
  }

  // 08, 09: a delay before each connection is up; the retry still delivers.
  for (const [id, check, ms, key] of [
    ['seg-08', 'VAL19-08', 200, 'latency200DeliveryMs'],
    ['seg-09', 'VAL19-09', 500, 'latency500DeliveryMs'],
  ] as const) {
    proxy.set(delay(ms))
    const started = performance.now()
    const ok = await deliveredNow(id)
    throughput[key] = Math.round(performance.now() - started)
    proxy.set(mode('clean'))
    await record(
      check,
      ok ? 'pass' : 'fail',
      ok ? `delivery_elapsed=${throughput[key]} ms` : lastError(relay, id),
    )
  }

  // 10: cut after 500 bytes: the retry fails, the segment stays dead, the clean retry delivers it whole.
  if (protocol === 'tcp') {
    proxy.set(mode('cutoff', 500))
    const cut = await relay.retry('seg-10')
    const stayedDead = cut.dead.includes('seg-10') && isDead('seg-10') && received('seg-10') === undefined
    proxy.set(mode('clean'))
    const whole = await deliveredNow('seg-10')
    const data = bytes.get('seg-10') as Buffer
    const after = received('seg-10')
    const same =
      after?.size === data.length && after.sha256 === createHash('sha256').update(data).digest('hex')
    const ok = stayedDead && whole && same
    await record(
      'VAL19-10',
      ok ? 'pass' : 'fail',
      ok
        ? `size=${after?.size} expected=${data.length}`
        : `cut retry dead=${stayedDead}, clean retry delivered=${whole}, intact=${same}`,
    )
  } else {
    await record('VAL19-10', 'n/a', 'a UDP proxy has no byte cutoff: cutoff is TCP only')
  }

  const matrix: CheckMatrix = {
    kind: 'relay-check-matrix',
    generatedAt: new Date().toISOString(),
    path: protocol,
    proxy: { listen: proxy.url, target: proxy.target.url },
    checks,
    throughput,
    outcome: matrixOutcome(checks),
    summary: {
      pass: checks.filter((c) => c.status === 'pass').length,
      fail: checks.filter((c) => c.status === 'fail').length,
      notApplicable: checks.filter((c) => c.status === 'n/a').length,
      total: checks.length,
    },
    ledger: LAB_SEGMENTS.flatMap(([id]) => relay.ledger(id) ?? []),
  }
  if (options.evidenceDir !== undefined) writeEvidence(matrix, options.evidenceDir)
  return matrix
}

function lastError(relay: Relay, id: string): string {
  return relay.ledger(id)?.attempts.at(-1)?.error ?? 'not delivered'
}

/** Writes report.txt (the lab's final report) and report.json (the same figures, proxy stats and ledger). */
export function writeEvidence(matrix: CheckMatrix, evidenceDir: string): void {
  if (typeof evidenceDir !== 'string' || evidenceDir.length === 0) {
    throw new ConfigError('evidenceDir', evidenceDir, 'a folder path')
  }
  mkdirSync(evidenceDir, { recursive: true })
  writeFileSync(join(evidenceDir, 'report.txt'), reportText(matrix, evidenceDir))
  writeFileSync(join(evidenceDir, 'report.json'), `${JSON.stringify(matrix, null, 2)}\n`)
}
