import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { parseGoDuration } from '../src/cli/go-duration.js'
import { FlagError, parseFlags } from '../src/cli/go-flags.js'
import { LOADTEST_FLAGS, loadConfigOf, loadtestMain } from '../src/cli/loadtest.js'
import type { LoadReport } from '../src/load/types.js'

/** Runs the command in-process and keeps what it wrote. */
async function run(argv: string[], stopped?: () => Promise<string>, progress?: boolean) {
  let out = ''
  const err: string[] = []
  const code = await loadtestMain(argv, {
    out: (t) => {
      out += t
    },
    err: (l) => void err.push(l),
    ...(stopped ? { stopped } : {}),
    ...(progress === undefined ? {} : { progress }),
  })
  return { code, out, err }
}

describe('Go flag syntax', () => {
  test('durations read as Go writes them', () => {
    expect(parseGoDuration('500ms')).toBe(500)
    expect(parseGoDuration('2m')).toBe(120_000)
    expect(parseGoDuration('1m30s')).toBe(90_000)
    expect(parseGoDuration('1.5s')).toBe(1500)
    expect(parseGoDuration('0')).toBe(0)
    expect(parseGoDuration('-1s')).toBe(-1000)
    expect(parseGoDuration('10')).toBeUndefined()
    expect(parseGoDuration('1m30')).toBeUndefined()
  })

  test('-flag value, --flag value, --flag=value; booleans never take the next argument', () => {
    const parsed = parseFlags(
      [
        '-streams',
        '12',
        '--concurrency',
        '3',
        '--ack-timeout=1m30s',
        '--soak',
        '-short-sessions=false',
        'rest',
      ],
      LOADTEST_FLAGS,
    )
    expect(parsed.values).toMatchObject({
      streams: 12,
      concurrency: 3,
      'ack-timeout': 90_000,
      soak: true,
      'short-sessions': false,
    })
    expect([...parsed.given].sort()).toEqual([
      'ack-timeout',
      'concurrency',
      'short-sessions',
      'soak',
      'streams',
    ])
    expect(parsed.rest).toEqual(['rest'])
    expect(parseFlags([], LOADTEST_FLAGS).values).toMatchObject({
      streams: 1000,
      concurrency: 64,
      'bytes-per-stream': 4 * 1024 * 1024,
      'payload-size': 64 * 1024,
      'max-control-ack-p95-ms': 100,
      'max-setup-p95-ms': 200,
      'target-quarantine-ttl': 30_000,
      'failure-quarantine-ttl': 300_000,
    })
  })

  test.each([
    [['--streamz', '3'], 'flag provided but not defined: -streamz'],
    [['--streams', 'many'], 'invalid value "many" for flag -streams: not an integer'],
    [
      ['--ack-timeout', '2 parsecs'],
      'invalid value "2 parsecs" for flag -ack-timeout: not a duration such as 500ms, 2s, 1m30s or 0',
    ],
    [['--soak=maybe'], 'invalid value "maybe" for flag -soak: not a boolean (true or false)'],
    [['--streams'], 'flag needs an argument: -streams'],
  ])('%j is refused naming the flag', (argv, message) => {
    expect(() => parseFlags(argv, LOADTEST_FLAGS)).toThrow(new FlagError(message))
  })

  test('the reference clamps: concurrency at most streams, soak without duration runs a minute', () => {
    const { values } = parseFlags(['-streams', '5', '-concurrency', '0', '-soak'], LOADTEST_FLAGS)
    const config = loadConfigOf(values, ['quic://127.0.0.1:1'])
    expect(config).toMatchObject({
      streams: 5,
      concurrency: 5,
      duration: 60_000,
      maxSetupP95Ms: 200,
      maxControlAckP95Ms: 100,
    })
  })
})

describe('quicksand loadtest', () => {
  test('bad usage: one line naming the flag, exit 2; --help lists every flag, exit 0', async () => {
    const bad = await run(['--mode', 'client', '--bogus'])
    expect(bad).toMatchObject({
      code: 2,
      out: '',
      err: ['quicksand loadtest: flag provided but not defined: -bogus'],
    })
    const mode = await run(['--mode=both'])
    expect(mode.code).toBe(2)
    expect(mode.err).toEqual([
      'quicksand loadtest: invalid value "both" for flag -mode: server, client, or all',
    ])
    const help = await run(['--help'])
    expect(help.code).toBe(0)
    for (const flag of Object.keys(LOADTEST_FLAGS)) expect(help.out).toContain(`  -${flag}`)
  })

  test('all mode runs in-process nodes and prints the report; a failed verdict exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quicksand-loadtest-'))
    try {
      const path = join(dir, 'report.json')
      const common = [
        '--transport',
        'tcp',
        '--nodes',
        '2',
        '--streams',
        '20',
        '--concurrency',
        '4',
        '--bytes-per-stream',
        '8192',
        '--payload-size',
        '4096',
      ]
      const pass = await run([...common, '--report-path', path])
      const report = JSON.parse(pass.out) as LoadReport
      expect(pass.code).toBe(0)
      expect(report).toMatchObject({ verdict: 'pass', successfulStreams: 20, bytesSent: 20 * 8192 })
      expect(report.config.targets).toHaveLength(2)
      expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ verdict: 'pass', bytesSent: 20 * 8192 })
      // Not a terminal: no progress lines.
      expect(pass.err.filter((line) => line.includes(' streams/s'))).toEqual([])
      const fail = await run([...common, '--min-throughput-mbps', '1000000'])
      expect(fail.code).toBe(1)
      expect((JSON.parse(fail.out) as LoadReport).verdictReasons[0]).toMatch(
        /^throughput_bps=\d+ < 1000000000000$/,
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('a soak prints a progress line on stderr at most once a second when asked (as on a terminal)', async () => {
    const soak = [
      '--transport',
      'tcp',
      '--nodes',
      '1',
      '--soak',
      '--duration',
      '2500ms',
      '--concurrency',
      '2',
    ]
    const { code, err } = await run([...soak, '--bytes-per-stream', '4096'], undefined, true)
    expect(code).toBe(0)
    const lines = err.filter((line) => line.startsWith('quicksand loadtest: load '))
    expect(lines.length, err.join('\n')).toBeGreaterThanOrEqual(2)
    expect(lines.length).toBeLessThanOrEqual(4)
    expect(lines.at(-1)).toMatch(
      /^quicksand loadtest: load [\d,]+ streams, [\d,]+ streams\/s, \d\.\d s of 2\.5 s$/,
    )
  })

  test('server mode prints one JSON line per node and stops when told; client mode drives them', async () => {
    let stop: (signal: string) => void = () => undefined
    const stopped = new Promise<string>((resolve) => (stop = resolve))
    const lines: string[] = []
    let ready: () => void = () => undefined
    const twoNodes = new Promise<void>((resolve) => (ready = resolve))
    const server = loadtestMain(['--mode', 'server', '--nodes', '2'], {
      out: (text) => {
        lines.push(text)
        if (lines.length === 2) ready()
      },
      err: () => undefined,
      stopped: () => stopped,
    })
    await twoNodes
    const nodes = lines.map((line) => JSON.parse(line) as { url: string; fingerprint: string })
    expect(
      nodes.every((n) => /^quic:\/\/127\.0\.0\.1:\d+$/.test(n.url) && /^[0-9a-f]{64}$/.test(n.fingerprint)),
    ).toBe(true)
    const client = await run([
      '--mode',
      'client',
      '--targets',
      nodes.map((n) => n.url).join(','),
      '--fingerprints',
      nodes.map((n) => n.fingerprint).join(','),
      '--streams',
      '10',
      '--bytes-per-stream',
      '8192',
    ])
    expect(client.code).toBe(0)
    expect((JSON.parse(client.out) as LoadReport).successfulStreams).toBe(10)
    expect(client.err.filter((line) => line.includes('certificate'))).toEqual([])

    const few = ['--streams', '2', '--bytes-per-stream', '4096', '--pool-failover=false']
    // Without pins any certificate is taken, and stderr says so.
    const unpinned = await run(['--mode', 'client', '--targets', nodes[0]!.url, ...few])
    expect(unpinned.code).toBe(0)
    expect(unpinned.err).toContain(
      'quicksand loadtest: no -fingerprints: accepting any certificate the targets present',
    )
    // A pin that is not the node's certificate refuses it: the streams fail and so does the verdict.
    const wrong = await run([
      '--mode',
      'client',
      '--targets',
      nodes[0]!.url,
      '--fingerprints',
      nodes[1]!.fingerprint,
      ...few,
    ])
    expect(wrong.code).toBe(1)
    const refused = JSON.parse(wrong.out) as LoadReport
    expect(refused.successfulStreams).toBe(0)
    expect(Object.keys(refused.errors)).toEqual(['tls_fingerprint_mismatch'])
    stop('SIGTERM')
    expect(await server).toBe(0)
  })
})
