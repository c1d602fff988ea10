import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { promisify } from 'node:util'
import { RunError } from '../errors/kinds.js'

const run = promisify(execFile)
const IP_PATHS = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip']
const IP_TIMEOUT_MS = 10_000
/** The MTU the pipeline gives each veth: the path MTU a namespaced pipeline is checked against. */
export const VETH_MTU = 1500

/** The `ip` binary (iproute2), if installed. */
export function ipBinary(): string | undefined {
  return IP_PATHS.find((path) => existsSync(path))
}

/** Why namespaces cannot be used here, or undefined when they can (root and `ip` present). */
export function namespacesUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'it needs root (network namespaces and veth pairs)'
  if (ipBinary() === undefined) return 'iproute2 (`ip`) is not installed'
  return undefined
}

/**
 * The namespaces of a pipeline: hop i (from 1) in namespace `names[i - 1]`; link j (0 to hops)
 * joins position j (0: the test's namespace, where the generator runs) to position j + 1 (hops + 1:
 * the test's namespace again, where the sink runs), a veth pair with a /30 of its own.
 */
export interface NetnsChain {
  names: string[]
  /** Link j's address on its left (position j) and right (position j + 1) end. */
  links: { left: string; right: string }[]
  /** Remove every namespace and veth created; never throws. */
  remove(): Promise<void>
}

/** Create `hops` namespaces joined in a chain by veth pairs; on failure whatever was made is removed. */
export async function createNetnsChain(hops: number): Promise<NetnsChain> {
  const ip = ipBinary()
  if (ip === undefined)
    throw new RunError('internal', 'pipeline namespaces: iproute2 (`ip`) is not installed')
  const exec = async (...args: string[]) => {
    try {
      await run(ip, args, { timeout: IP_TIMEOUT_MS })
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim()
      throw new RunError(
        'internal',
        `pipeline namespaces: ip ${args.join(' ')} failed: ${stderr || String(error)}`,
      )
    }
  }
  // Unique per run, so a crashed earlier run's leftovers never collide; veth names fit in 15 bytes.
  const tag =
    `${(process.pid % 1296).toString(36)}${Math.floor(Math.random() * 36 ** 3).toString(36)}`.padStart(5, '0')
  const names = Array.from({ length: hops }, (_, i) => `qsp-${tag}-${i + 1}`)
  const a = 100 + Math.floor(Math.random() * 100)
  const b = Math.floor(Math.random() * 250)
  const links = Array.from({ length: hops + 1 }, (_, j) => ({
    left: `10.${a}.${b}.${4 * j + 1}`,
    right: `10.${a}.${b}.${4 * j + 2}`,
  }))
  const made: string[] = []
  const veths: string[] = []
  const remove = async () => {
    // A pair with an end in the test's namespace goes with that end; an end moved into a
    // namespace is not found here and goes with its namespace below.
    for (const veth of veths) await exec('link', 'del', veth).catch(() => undefined)
    // Deleting a namespace removes the veth ends inside it, and with them their pairs.
    for (const ns of made) await exec('netns', 'del', ns).catch(() => undefined)
  }
  try {
    for (const ns of names) {
      await exec('netns', 'add', ns)
      made.push(ns)
      await exec('-n', ns, 'link', 'set', 'lo', 'up')
    }
    for (let j = 0; j <= hops; j++) {
      const left = `qp${tag}${j}a`
      const right = `qp${tag}${j}b`
      veths.push(left, right)
      await exec(
        'link',
        'add',
        left,
        'mtu',
        String(VETH_MTU),
        'type',
        'veth',
        'peer',
        'name',
        right,
        'mtu',
        String(VETH_MTU),
      )
      for (const [dev, position, address] of [
        [left, j, links[j]!.left],
        [right, j + 1, links[j]!.right],
      ] as const) {
        const ns = position >= 1 && position <= hops ? names[position - 1] : undefined
        if (ns !== undefined) await exec('link', 'set', dev, 'netns', ns)
        const inNs = ns === undefined ? [] : ['-n', ns]
        await exec(...inNs, 'addr', 'add', `${address}/30`, 'dev', dev)
        await exec(...inNs, 'link', 'set', dev, 'up')
      }
    }
  } catch (error) {
    await remove()
    throw error
  }
  return { names, links, remove }
}
