import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeAll, expect, test } from 'vitest'
import { Ledger } from '../../src/relay/ledger.js'
import { startPeer } from '../../src/relay/peer.js'
import { closeTracked, onTeardown, track } from '../helpers/cleanup.js'
import { sha256 } from '../helpers/digest.js'
import { payload } from '../helpers/payload.js'

afterEach(closeTracked)

const SOURCE = fileURLToPath(new URL('./relay-child.ts', import.meta.url))
// Under node_modules, so the bundle's package imports resolve from the project.
const CHILD = fileURLToPath(
  new URL('../../node_modules/.cache/quicksand-test/relay-child.mjs', import.meta.url),
)

// The child is bundled once with tsx's own esbuild: starting it under tsx costs about a second per
// process, which 21 restarts cannot afford; a bundle starts in a tenth of that and is built from the
// sources on every run, so it never runs stale code.
beforeAll(async () => {
  const requireFromTsx = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'))
  const esbuild = requireFromTsx('esbuild') as typeof import('esbuild')
  await esbuild.build({
    entryPoints: [SOURCE],
    outfile: CHILD,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'error',
  })
})
const KILLS = 20
// Each killed run submits 8 segments, the last 4 of which the next run submits again (same ids).
const PER_RUN = 8
const STEP = 4
const SEGMENTS = KILLS * STEP + PER_RUN

interface ChildRun {
  child: ChildProcess
  /** Ids whose submit or retry resolved, with the outcome the relay reported. */
  outcomes: Map<string, 'ok' | 'dead'>
  ready: Promise<void>
  exited: Promise<number | null>
}

function startChild(store: string, peerUrl: string, first: number, count: number): ChildRun {
  const child = spawn(process.execPath, [CHILD, store, peerUrl, String(first), String(count)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  onTeardown(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'))
  const outcomes = new Map<string, 'ok' | 'dead'>()
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  let markReady: () => void = () => undefined
  const ready = new Promise<void>((resolve) => {
    markReady = resolve
  })
  let buffered = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    const lines = buffered.split('\n')
    buffered = lines.pop() ?? ''
    for (const line of lines) {
      if (line === 'ready') markReady()
      const [word, id] = line.split(' ')
      if ((word === 'ok' || word === 'dead') && id) outcomes.set(id, word)
    }
  })
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      markReady()
      if (code !== null && code !== 0) throw new Error(`relay child exited with ${code}: ${stderr}`)
      resolve(code)
    })
  })
  return { child, outcomes, ready, exited }
}

// A fixed sequence, so a failure replays with the same kill points.
function killDelays(seed: number, count: number, maxMs: number): number[] {
  let x = seed
  return Array.from({ length: count }, () => {
    x = (x * 1103515245 + 12345) >>> 0
    return (x >>> 8) % maxMs
  })
}

test('a relay killed with SIGKILL 20 times mid-delivery loses, duplicates and corrupts nothing', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'quicksand-crash-'))
  onTeardown(() => rmSync(folder, { recursive: true, force: true }))
  const store = join(folder, 'ledger.log')
  const peer = track(await startPeer({ transport: 'tcp' }))
  const expected = new Map(
    Array.from({ length: SEGMENTS }, (_, i) => [`seg-${i}`, sha256(payload(8192, i + 1))]),
  )

  let killedMidway = 0
  for (const [round, delay] of killDelays(19, KILLS, 80).entries()) {
    const run = startChild(store, peer.url, round * STEP, PER_RUN)
    await run.ready
    await new Promise((resolve) => setTimeout(resolve, delay))
    run.child.kill('SIGKILL')
    await run.exited
    if (run.outcomes.size > 0 && run.outcomes.size < PER_RUN) killedMidway++
    // What the relay reported before it died is on disk: a resolved submit is never lost.
    const ledger = new Ledger(store)
    for (const [id, outcome] of run.outcomes) {
      const entry = ledger.segments.get(id)
      expect(entry, `${id} was reported ${outcome} and must be in the ledger`).toBeDefined()
      if (outcome === 'ok') expect(entry?.deliveredAt, `${id} was reported delivered`).toBeDefined()
    }
    // Everything the ledger calls delivered is at the peer.
    const atPeer = new Set(peer.received().map((r) => r.id))
    for (const entry of ledger.segments.values()) {
      if (entry.deliveredAt !== undefined) expect(atPeer.has(entry.id)).toBe(true)
    }
    await ledger.close()
  }

  // The kills did land mid-delivery, not only before or after the work.
  expect(killedMidway).toBeGreaterThan(0)
  // A last run that is not killed retries what is dead and submits what is left.
  const last = startChild(store, peer.url, 0, SEGMENTS)
  expect(await last.exited).toBe(0)
  const ledger = new Ledger(store)
  onTeardown(() => ledger.close())
  const received = peer.received()
  // Exactly once: each id once at the peer, with the bytes submitted.
  expect(received.map((r) => r.id).sort()).toEqual([...expected.keys()].sort())
  for (const r of received) expect(r.sha256).toBe(expected.get(r.id))
  expect([...ledger.segments.values()].filter((s) => s.deliveredAt === undefined)).toEqual([])
  expect(peer.stats().rejected).toBe(0)
}, 20_000)
