// The relay impairment lab's 10-check matrix: the checks' names, the PASS / PARTIAL / FAIL rule and
// the final report in the lab's template.
import type { LabStats } from '../proxy/control/lab.js'
import type { LedgerEntry } from './ledger.js'

/** The lab's checks, in order, with their names. */
export const LAB_CHECKS = [
  ['VAL19-01', 'clean_baseline_delivery'],
  ['VAL19-02', 'outage_deadletter_accumulate'],
  ['VAL19-03', 'outage_recovery_delivery'],
  ['VAL19-04', 'data_integrity'],
  ['VAL19-05', 'repeated_outage_resilience'],
  ['VAL19-06', 'bandwidth_1mbps_delivery'],
  ['VAL19-07', 'bandwidth_10mbps_delivery'],
  ['VAL19-08', 'latency_200ms_delivery'],
  ['VAL19-09', 'latency_500ms_delivery'],
  ['VAL19-10', 'cutoff_retry_converges'],
] as const

/** A check's id, 'VAL19-01' to 'VAL19-10'. */
export type CheckId = (typeof LAB_CHECKS)[number][0]

/** How one check ended: 'n/a' when its impairment does not exist on the path's protocol. */
export type CheckStatus = 'pass' | 'fail' | 'n/a'

/** One row of the matrix. */
export interface CheckResult {
  id: CheckId
  name: string
  status: CheckStatus
  /** What decided it, e.g. 'size=64 expected=64' or why it failed. */
  detail: string
  /** The proxy's stats (the lab's JSON) right after the check. */
  proxyStats: LabStats
}

/** What the lab measured as characterisation (informational, never a gate). */
export interface Throughput {
  /** 128 KiB under the 1 Mbps limit: bits per second, the ms and bytes it came from, and their source. */
  bandwidth1Mbps?: { bps: number; ms: number; bytes: number; source: 'proxy' | 'ledger' }
  bandwidth10Mbps?: { bps: number; ms: number; bytes: number; source: 'proxy' | 'ledger' }
  latency200DeliveryMs?: number
  latency500DeliveryMs?: number
}

/** The lab's outcome. */
export type MatrixOutcome = 'PASS' | 'PARTIAL' | 'FAIL'

/** A finished run of the lab. */
export interface CheckMatrix {
  kind: 'relay-check-matrix'
  generatedAt: string
  /** 'tcp' (proxy.tcp() in front of a TCP peer) or 'udp' (proxy.udp() in front of a QUIC peer). */
  path: 'tcp' | 'udp'
  proxy: { listen: string; target: string }
  checks: CheckResult[]
  throughput: Throughput
  outcome: MatrixOutcome
  summary: { pass: number; fail: number; notApplicable: number; total: number }
  /** The ledger per segment at the end, as the lab's ledger dump. */
  ledger: LedgerEntry[]
}

const passed = (checks: readonly CheckResult[], n: number) => {
  const status = checks.find((c) => c.id === `VAL19-${String(n).padStart(2, '0')}`)?.status
  return status === 'pass' || status === 'n/a'
}

/**
 * The lab's rule: FAIL when check 1, 3 or 4 fails; PASS when all 10 pass; PARTIAL when 1, 2, 3 and
 * 5 pass. A check whose impairment does not exist on the path ('n/a') counts as passing; anything
 * else is FAIL.
 */
export function matrixOutcome(checks: readonly CheckResult[]): MatrixOutcome {
  if (!passed(checks, 1) || !passed(checks, 3) || !passed(checks, 4)) return 'FAIL'
  if (LAB_CHECKS.every((_, i) => passed(checks, i + 1))) return 'PASS'
  return [1, 2, 3, 5].every((n) => passed(checks, n)) ? 'PARTIAL' : 'FAIL'
}

/** The check results as the lab's report prints them, one line per check. */
export function checkTable(checks: readonly CheckResult[]): string {
  return checks
    .map((c) => {
      const status = c.status === 'n/a' ? 'N/A' : c.status.toUpperCase()
      return `${c.id} ${c.name}: ${status}${c.detail ? ` (${c.detail})` : ''}`
    })
    .join('\n')
}

const bps = (n: number) => Math.round(n).toLocaleString('en-US')

/** report.txt in the lab's final report template. */
export function reportText(matrix: CheckMatrix, evidenceDir: string): string {
  const t = matrix.throughput
  const line = (label: string, m: Throughput['bandwidth1Mbps']) =>
    m ? `${label}: ${bps(m.bps)} bps (${m.ms} ms, ${bps(m.bytes)} B, from the ${m.source})` : `${label}: n/a`
  return [
    `# VAL 19 — Relay Local-Network Impairment Validation (${matrix.path === 'tcp' ? 'TCP' : 'QUIC over UDP'})`,
    `Generated: ${matrix.generatedAt}`,
    `Evidence dir: ${evidenceDir}`,
    '',
    '## Network Impairment Summary',
    `Proxy listen: ${matrix.proxy.listen} → ${matrix.proxy.target}`,
    '',
    '## Throughput Characterisation (informational)',
    line('1 Mbps constraint', t.bandwidth1Mbps),
    line('10 Mbps constraint', t.bandwidth10Mbps),
    `Latency 200 ms: delivery_elapsed=${t.latency200DeliveryMs ?? 'n/a'} ms`,
    `Latency 500 ms: delivery_elapsed=${t.latency500DeliveryMs ?? 'n/a'} ms`,
    '',
    '## Check Results',
    checkTable(matrix.checks),
    '',
    '## Summary',
    `pass=${matrix.summary.pass} fail=${matrix.summary.fail} total=${matrix.summary.total}` +
      (matrix.summary.notApplicable > 0 ? ` (n/a=${matrix.summary.notApplicable})` : ''),
    `Outcome: ${matrix.outcome}`,
    '',
    'Relay Store-and-Forward Assessment:',
    'PASS requires VAL19-01 (clean delivery) + VAL19-03 (outage recovery) + VAL19-04 (data integrity)',
    'VAL19-05 (repeated outage resilience) is the key evidence for the store-and-forward correctness claim',
    '',
  ].join('\n')
}
