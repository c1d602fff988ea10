// `quicksand loadtest` across hosts: a server in one network namespace, a client in another,
// joined by a veth pair. Needs root and iproute2; skips with the reason otherwise.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { LoadReport } from '../src/load/types.js'

const root = join(import.meta.dirname, '..')
const main = join(root, 'src/cli/main.ts')
const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].find((path) => existsSync(path))
const reason =
  process.getuid?.() !== 0 ? 'not root' : IP === undefined ? 'iproute2 (ip) is missing' : undefined
if (reason) console.log(`quicksand loadtest across network namespaces: skipped (${reason})`)

const id = process.pid % 100_000
const [nsServer, nsClient] = [`qs-srv-${id}`, `qs-cli-${id}`]
const [vethServer, vethClient] = [`qsv${id}a`, `qsv${id}b`]
const [addrServer, addrClient] = ['10.254.77.1', '10.254.77.2']

function ip(...args: string[]): void {
  execFileSync(IP!, args, { stdio: 'pipe', timeout: 10_000 })
}

/** `node` running quicksand's CLI from its sources inside namespace `ns`. */
function cli(ns: string, args: string[]): ChildProcess {
  return spawn(IP!, ['netns', 'exec', ns, process.execPath, '--import', 'tsx', main, 'loadtest', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

describe.skipIf(reason !== undefined)('quicksand loadtest across network namespaces', () => {
  let server: ChildProcess | undefined

  beforeAll(() => {
    ip('netns', 'add', nsServer)
    ip('netns', 'add', nsClient)
    ip('link', 'add', vethServer, 'type', 'veth', 'peer', 'name', vethClient)
    ip('link', 'set', vethServer, 'netns', nsServer)
    ip('link', 'set', vethClient, 'netns', nsClient)
    for (const [ns, dev, addr] of [
      [nsServer, vethServer, addrServer],
      [nsClient, vethClient, addrClient],
    ] as const) {
      ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', dev)
      ip('-n', ns, 'link', 'set', dev, 'up')
      ip('-n', ns, 'link', 'set', 'lo', 'up')
    }
  })

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGKILL')
      await new Promise((resolve) => server!.once('exit', resolve))
    }
    // Deleting a namespace removes the veth end inside it, and with it the pair.
    for (const ns of [nsServer, nsClient]) {
      try {
        ip('netns', 'del', ns)
      } catch {
        // Not created: beforeAll failed before it.
      }
    }
  })

  test('a server in one namespace, a client in the other, over the veth addresses', async () => {
    const started = cli(nsServer, ['--mode', 'server', '--listen', `${addrServer}:0`, '--nodes', '2'])
    server = started
    const nodes = await new Promise<Array<{ url: string; fingerprint: string }>>((resolve, reject) => {
      let buffer = ''
      const found: Array<{ url: string; fingerprint: string }> = []
      started.stdout!.on('data', (chunk: Buffer) => {
        buffer += chunk.toString()
        let newline = buffer.indexOf('\n')
        while (newline >= 0) {
          found.push(JSON.parse(buffer.slice(0, newline)))
          buffer = buffer.slice(newline + 1)
          newline = buffer.indexOf('\n')
        }
        if (found.length === 2) resolve(found)
      })
      started.once('exit', (code) => reject(new Error(`server exited with ${code} before it was ready`)))
    })
    expect(nodes.map((n) => n.url.replace(/:\d+$/, ''))).toEqual([
      `quic://${addrServer}`,
      `quic://${addrServer}`,
    ])

    const client = cli(nsClient, [
      '--mode',
      'client',
      '--targets',
      nodes.map((n) => n.url).join(','),
      '--fingerprints',
      nodes.map((n) => n.fingerprint).join(','),
      '--streams',
      '20',
      '--concurrency',
      '4',
      '--bytes-per-stream',
      '65536',
      '--payload-size',
      '16384',
    ])
    let out = ''
    client.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    const code = await new Promise((resolve) => client.once('exit', resolve))
    const report = JSON.parse(out) as LoadReport
    expect(code).toBe(0)
    expect(report).toMatchObject({
      verdict: 'pass',
      successfulStreams: 20,
      bytesSent: 20 * 65536,
      channelLeaks: 0,
    })
    expect(Object.keys(report.targetStreams).sort()).toEqual(nodes.map((n) => n.url).sort())

    started.kill('SIGTERM')
    expect(await new Promise((resolve) => started.once('exit', resolve))).toBe(0)
  }, 60_000)
})
