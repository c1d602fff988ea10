import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Toxiproxy } from 'toxiproxy-node-client'
import { afterEach, beforeAll, describe, expect, test } from 'vitest'
import { parseArgs } from '../src/cli/args.js'
import { closeTracked, onTeardown, track } from './helpers/cleanup.js'
import { sha256 } from './helpers/digest.js'
import { payload } from './helpers/payload.js'
import { connect, roundTrip, startEcho, type TestServer } from './helpers/tcp.js'

const root = join(import.meta.dirname, '..')
const bin = join(root, 'dist/cli/main.js')

function newestSource(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs)
  }
  return newest
}

beforeAll(() => {
  // Build only when dist is missing or older than the sources the CLI runs.
  const stale =
    !existsSync(bin) ||
    statSync(bin).mtimeMs <
      Math.max(newestSource(join(root, 'src/cli')), newestSource(join(root, 'src/proxy')))
  if (stale) {
    try {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], {
        cwd: root,
        stdio: 'ignore',
        timeout: 120_000,
      })
    } catch {
      // Other modules may not compile yet; tsc still writes ours.
    }
  }
}, 130_000)

interface Run {
  child: ChildProcess
  lines: string[]
  stderr: () => string
  /** Resolves with the first stdout line matching `pattern`. */
  line(pattern: RegExp): Promise<RegExpMatchArray>
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

afterEach(closeTracked)

/** Kills the CLI if it is still running, and waits for it to go. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const gone = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await gone
  }
}

function run(args: string[]): Run {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  onTeardown(() => stop(child))
  const lines: string[] = []
  let err = ''
  let pending = ''
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = []
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    pending += text
    const parts = pending.split('\n')
    pending = parts.pop()!
    for (const line of parts) {
      lines.push(line)
      for (const waiter of [...waiters]) {
        const match = line.match(waiter.pattern)
        if (match) {
          waiters.splice(waiters.indexOf(waiter), 1)
          waiter.resolve(match)
        }
      }
    }
  })
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    err += text
  })
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  return {
    child,
    lines,
    stderr: () => err,
    exit,
    line(pattern) {
      const found = lines.map((l) => l.match(pattern)).find((m) => m)
      if (found) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve })
        exit.then(() => reject(new Error(`exited before printing ${pattern}; stderr: ${err}`)))
        setTimeout(() => reject(new Error(`no line matching ${pattern} within 10 s; stderr: ${err}`)), 10_000)
      })
    },
  }
}

async function echoServer(): Promise<TestServer> {
  return track(await startEcho())
}

describe('argument parsing', () => {
  test('reads the single-proxy and API forms', () => {
    expect(
      parseArgs([
        'proxy',
        '--listen',
        '127.0.0.1:19031',
        '--target=127.0.0.1:19032',
        '--control',
        '127.0.0.1:19033',
        '--seed',
        '7',
        '--busy-poll-us',
        '0',
      ]),
    ).toEqual({
      command: 'proxy',
      listen: { host: '127.0.0.1', port: 19031 },
      target: { host: '127.0.0.1', port: 19032 },
      protocol: 'tcp',
      control: { host: '127.0.0.1', port: 19033 },
      seed: 7,
      busyPollUs: 0,
    })
    expect(parseArgs(['proxy', '--api', '[::1]:8474'])).toEqual({
      command: 'api',
      api: { host: '::1', port: 8474 },
    })
    expect(parseArgs(['--help'])).toEqual({ command: 'help' })
  })

  test.each([
    [[], /missing command/],
    [['serve'], /unknown command "serve"/],
    [['proxy', '--listen', '127.0.0.1:1'], /--target HOST:PORT is required/],
    [['proxy', '--target', '127.0.0.1:1'], /--listen HOST:PORT is required/],
    [
      ['proxy', '--listen', 'localhost', '--target', '127.0.0.1:1'],
      "--listen must be 'host:port' ('[::1]:port' for IPv6) with a port, got 'localhost'",
    ],
    [
      ['proxy', '--listen', '127.0.0.1:70000', '--target', '127.0.0.1:1'],
      /--listen port must be an integer from 0 to 65535/,
    ],
    [
      ['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:0'],
      /--target port must be an integer from 1 to 65535/,
    ],
    [
      ['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:1', '--protocol', 'sctp'],
      /--protocol must be tcp or udp, got "sctp"/,
    ],
    [
      ['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:1', '--seed', 'x'],
      /--seed must be an integer, got "x"/,
    ],
    [
      ['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:1', '--busy-poll-us', '20000'],
      /--busy-poll-us must be an integer from 0 to 10000, got "20000"/,
    ],
    [
      ['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:1', '--busy-poll-us', '-1'],
      /--busy-poll-us must be an integer from 0 to 10000, got "-1"/,
    ],
    [['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:1', '--loss', '3'], /unknown flag --loss/],
    [['proxy', '--listen'], /--listen needs a value/],
    [['proxy', '--api', '127.0.0.1:0', '--listen', '127.0.0.1:0'], /--api .* takes no --listen/],
    [['proxy', '--listen', '127.0.0.1:0', '--listen', '127.0.0.1:1'], /--listen is given twice/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message)
  })
})

describe('quicksand CLI (spawned)', () => {
  test('--help prints the usage and exits 0', async () => {
    const cli = run(['--help'])
    expect(await cli.exit).toEqual({ code: 0, signal: null })
    expect(cli.lines.join('\n')).toMatch(/quicksand proxy --listen HOST:PORT --target HOST:PORT/)
    expect(cli.lines.join('\n')).toMatch(/quicksand proxy --api HOST:PORT/)
  })

  test('a bad flag exits 2 with a clear message on stderr', async () => {
    const cli = run(['proxy', '--listen', '127.0.0.1:0', '--target', '127.0.0.1:1', '--protocol', 'sctp'])
    expect(await cli.exit).toEqual({ code: 2, signal: null })
    expect(cli.stderr()).toBe('quicksand: --protocol must be tcp or udp, got "sctp"\n')
  })

  test('a listen address in use exits 1 naming the error', async () => {
    const taken = await echoServer()
    const cli = run(['proxy', '--listen', `127.0.0.1:${taken.port}`, '--target', `127.0.0.1:${taken.port}`])
    expect((await cli.exit).code).toBe(1)
    expect(cli.stderr()).toMatch(/EADDRINUSE/)
  })

  test('proxy with --control: bytes pass, PUT /mode cuts them, SIGTERM closes cleanly', async () => {
    const echo = await echoServer()
    const cli = run([
      'proxy',
      '--listen',
      '127.0.0.1:0',
      '--target',
      `127.0.0.1:${echo.port}`,
      '--control',
      '127.0.0.1:0',
      '--seed',
      '3',
    ])
    const [, port] = await cli.line(/^quicksand tcp proxy on 127\.0\.0\.1:(\d+) -> 127\.0\.0\.1:\d+$/)
    const [, controlUrl] = await cli.line(/^quicksand lab control API on (http:\/\/127\.0\.0\.1:\d+) /)
    const data = payload(64 * 1024)
    const clean = await roundTrip(Number(port), data)
    expect(sha256(clean.data)).toBe(sha256(data))

    const put = await fetch(`${controlUrl}/mode`, {
      method: 'PUT',
      body: JSON.stringify({ mode: 'cutoff', value: 0 }),
    })
    expect(await put.json()).toEqual({ mode: 'cutoff', value: 0 })
    const cut = await roundTrip(Number(port), data)
    expect(cut.data.length).toBe(0)
    const stats = await (await fetch(`${controlUrl}/stats`)).json()
    expect(stats).toMatchObject({ conn_accepted: 2, bytes_fwd: data.length })

    cli.child.kill('SIGTERM')
    expect(await cli.exit).toEqual({ code: 0, signal: null })
    expect(cli.lines.at(-1)).toBe('quicksand: SIGTERM, closed')
    await expect(connect(Number(port))).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })

  test('proxy --api serves toxiproxy clients and closes its proxies on SIGINT', async () => {
    const echo = await echoServer()
    const cli = run(['proxy', '--api', '127.0.0.1:0'])
    const [, url] = await cli.line(/^quicksand toxiproxy-compatible API on (http:\/\/127\.0\.0\.1:\d+)$/)
    const client = new Toxiproxy(url!)
    const proxy = await client.createProxy({
      name: 'echo',
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${echo.port}`,
    })
    await proxy.addToxic({
      name: 'cap',
      type: 'limit_data',
      stream: 'downstream',
      toxicity: 1,
      attributes: { bytes: 10 },
    })
    const port = Number(proxy.listen.split(':')[1])
    expect((await roundTrip(port, 'abcdefghijklmnop')).data.toString()).toBe('abcdefghij')
    cli.child.kill('SIGINT')
    expect(await cli.exit).toEqual({ code: 0, signal: null })
    await expect(connect(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })
})
