// `npm run bench -- failover [--json]`: how fast streams recover when a node dies.
// - kill: one of three nodes killed abruptly under 300 streams, over QUIC and over TCP: reroute
//   latency p50/p95/p99 (setup of the retry), failover recovery p95 (failed attempt's error to the
//   stream's next ACK) and the time from the kill to the last affected stream's next ACK;
// - blackhole: a proxy in front of one node starts swallowing every byte mid-run, so only the
//   ACK timeout tells: recovery from the outage to the last affected stream's next ACK, minus ackTimeout;
// - soak: a 60 s soak's heap slope (MiB/min, summed over threads);
// - readme: the README example's own duration as Vitest reports it (start-up excluded).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createProxy, runLoad, startNode } from '../dist/index.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const ACK_TIMEOUT_MS = 500

function killAt(report) {
  return report.events.find((e) => e.type === 'node.kill')?.at ?? Number.NaN
}

async function kill(transport) {
  const nodes = await Promise.all([0, 1, 2].map(() => startNode({ transport })))
  try {
    const report = await runLoad({
      targets: nodes,
      streams: 300,
      concurrency: 32,
      bytesPerStream: 256 * 1024,
      failTarget: 1,
      failAfter: '300ms',
    })
    return {
      ok: `${report.successfulStreams}/${report.totalStreams}`,
      failovers: report.failoverEvents,
      rerouteP50Ms: report.rerouteLatencyP50Ms,
      rerouteP95Ms: report.rerouteLatencyP95Ms,
      rerouteP99Ms: report.rerouteLatencyP99Ms,
      recoveryP95Ms: report.failoverRecoveryP95Ms,
      killToLastRecoveryMs: Math.round((report.lastRecoveryAtMs - killAt(report)) * 1000) / 1000,
    }
  } finally {
    for (const node of nodes) await node.kill()
  }
}

async function blackhole() {
  const nodes = await Promise.all([0, 1].map(() => startNode({ transport: 'tcp' })))
  const path = await createProxy({
    protocol: 'tcp',
    target: nodes[1].url.replace('tcp://', ''),
    listen: '127.0.0.1:0',
  })
  let setAt = 0
  const started = Date.now()
  const timer = setTimeout(() => {
    setAt = Date.now() - started
    path.set([{ kind: 'outage', mode: 'blackhole', cutExisting: true }])
  }, 500)
  try {
    const report = await runLoad({
      targets: [nodes[0], path],
      soak: true,
      duration: '2s',
      concurrency: 16,
      bytesPerStream: 256 * 1024,
      ackTimeout: ACK_TIMEOUT_MS,
    })
    const outageAt = report.events.find((e) => e.type.startsWith('impairment'))?.at ?? setAt
    return {
      ok: `${report.successfulStreams}/${report.totalStreams}`,
      failovers: report.failoverEvents,
      ackTimeoutMs: ACK_TIMEOUT_MS,
      recoveryP95Ms: report.failoverRecoveryP95Ms,
      outageToLastRecoveryMs: Math.round((report.lastRecoveryAtMs - outageAt) * 1000) / 1000,
    }
  } finally {
    clearTimeout(timer)
    await path.close()
    for (const node of nodes) await node.kill()
  }
}

async function soak() {
  const nodes = await Promise.all([0, 1].map(() => startNode({ transport: 'tcp' })))
  try {
    const report = await runLoad({
      targets: nodes,
      soak: true,
      duration: '60s',
      concurrency: 8,
      bytesPerStream: 64 * 1024,
      resourceSampleInterval: '1s',
    })
    return {
      streams: report.totalStreams,
      heapSlopeMbPerMin: report.resourceSummary.slopesPerMinute.heapUsedMb,
      activeResourceSlopePerMin: report.resourceSummary.slopesPerMinute.activeResources,
      heapDeltaMb: Math.round((report.resourceSummary.heapUsedDeltaBytes / 1048576) * 1000) / 1000,
    }
  } finally {
    for (const node of nodes) await node.kill()
  }
}

function readme() {
  const dir = mkdtempSync(join(tmpdir(), 'quicksand-bench-'))
  try {
    const out = join(dir, 'vitest.json')
    execFileSync(
      'npx',
      [
        'vitest',
        'run',
        'test/scenarios/fabric-failover.test.ts',
        '-t',
        'streams survive losing a node mid-run',
        '--reporter=json',
        `--outputFile=${out}`,
      ],
      { cwd: root, stdio: 'ignore', timeout: 120_000 },
    )
    const result = JSON.parse(readFileSync(out, 'utf8'))
    const test = result.testResults.flatMap((f) => f.assertionResults).find((t) => t.status === 'passed')
    return { seconds: Math.round(test.duration) / 1000 }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Runs every part and prints its figures. */
export async function run({ json }) {
  const log = json ? () => undefined : (...a) => console.log(...a)
  const quic = await kill('quic')
  log('kill one of three QUIC nodes under 300 streams:', quic)
  const tcp = await kill('tcp')
  log('kill one of three TCP nodes under 300 streams: ', tcp)
  const hole = await blackhole()
  log('blackhole one of two TCP paths (ackTimeout 500 ms):', hole)
  const soaked = await soak()
  log('60 s soak:', soaked)
  const example = readme()
  log('README example in Vitest:', example)
  return {
    quicRerouteP50Ms: quic.rerouteP50Ms,
    quicRerouteP95Ms: quic.rerouteP95Ms,
    quicRerouteP99Ms: quic.rerouteP99Ms,
    tcpRerouteP50Ms: tcp.rerouteP50Ms,
    tcpRerouteP95Ms: tcp.rerouteP95Ms,
    tcpRerouteP99Ms: tcp.rerouteP99Ms,
    quicRecoveryP95Ms: quic.recoveryP95Ms,
    tcpRecoveryP95Ms: tcp.recoveryP95Ms,
    quicKillToLastRecoveryMs: quic.killToLastRecoveryMs,
    tcpKillToLastRecoveryMs: tcp.killToLastRecoveryMs,
    blackholeRecoveryOverAckTimeoutMs:
      Math.round((hole.outageToLastRecoveryMs - ACK_TIMEOUT_MS) * 1000) / 1000,
    soakHeapSlopeMbPerMin: soaked.heapSlopeMbPerMin,
    readmeScenarioSeconds: example.seconds,
  }
}
