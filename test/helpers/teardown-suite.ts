import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'vitest'

/** True when nothing accepts TCP connections on 127.0.0.1:`port` any more. */
export function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' })
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', () => resolve(true))
  })
}

/** A teardown suite's outcome: its exit status, its output and the log lines its tests wrote. */
export interface TeardownRun {
  status: number | null
  stdout: string
  output: string
  entries: Array<Record<string, unknown> & { test?: string }>
}

/**
 * Run a suite under fixtures/suites/ in a child Vitest whose tests log, as JSON lines to
 * QUICKSAND_TEARDOWN_LOG, what they started and what was left at the end.
 */
export function runTeardownSuite(config: string): TeardownRun {
  const dir = mkdtempSync(join(tmpdir(), 'quicksand-teardown-'))
  try {
    const logFile = join(dir, 'log.ndjson')
    const result = spawnSync(
      process.execPath,
      ['node_modules/vitest/vitest.mjs', 'run', '--config', config],
      {
        env: { ...process.env, QUICKSAND_TEARDOWN_LOG: logFile, NO_COLOR: '1', FORCE_COLOR: '0' },
        encoding: 'utf8',
        timeout: 120_000,
      },
    )
    const entries = readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    return { status: result.status, stdout: result.stdout, output: result.stdout + result.stderr, entries }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * The checks every teardown suite shares: one test passed and two failed (one by its timeout),
 * every port its tests logged under `portsField` refuses connections now, and nothing was left.
 */
export async function expectTornDown(
  run: TeardownRun,
  expected: { timeoutMs: number; portsField: string; ports: number },
): Promise<void> {
  const { status, stdout, output, entries } = run
  expect(status, output).toBe(1)
  expect(stdout, output).toMatch(/2 failed \| 1 passed/)
  expect(output).toMatch(new RegExp(`Test timed out in ${expected.timeoutMs}ms`))
  const ports = entries.flatMap((e) => (e[expected.portsField] as number[] | undefined) ?? [])
  expect(ports).toHaveLength(expected.ports)
  for (const port of ports) expect(await refused(port)).toBe(true)
  const last = entries.find((e) => e.test === 'afterAll')
  expect(last?.leftover, JSON.stringify(last?.resources)).toBeLessThanOrEqual(0)
}
