import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from 'vitest'

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' })
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', () => resolve(true))
  })
}

test('the echo and traffic fixtures stop what they started when a test passes, fails or times out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'quicksand-traffic-teardown-'))
  try {
    const logFile = join(dir, 'log.ndjson')
    const result = spawnSync(
      process.execPath,
      [
        'node_modules/vitest/vitest.mjs',
        'run',
        '--config',
        'fixtures/suites/traffic-teardown/vitest.config.ts',
      ],
      {
        env: { ...process.env, QUICKSAND_TEARDOWN_LOG: logFile, NO_COLOR: '1', FORCE_COLOR: '0' },
        encoding: 'utf8',
        timeout: 120_000,
      },
    )
    const output = result.stdout + result.stderr
    expect(result.status, output).toBe(1)
    expect(result.stdout, output).toMatch(/2 failed \| 1 passed/)
    expect(output).toMatch(/Test timed out in 6000ms/)
    const entries = readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    const ports = entries.flatMap((e) => e.tcpPorts ?? [])
    expect(ports).toHaveLength(5)
    for (const port of ports) expect(await refused(port)).toBe(true)
    const passed = entries.find((e) => e.test === 'passes')
    expect(passed?.sent).toBeGreaterThan(0)
    expect(passed?.received).toBe(passed?.sent)
    const last = entries.find((e) => e.test === 'afterAll')
    expect(last?.leftover, JSON.stringify(last?.resources)).toBeLessThanOrEqual(0)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}, 150_000)
