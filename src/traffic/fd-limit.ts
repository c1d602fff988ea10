// Whether this process can hold a run's connections: one file descriptor each, under the soft
// limit (ulimit -n) beside those already open. Read from /proc on Linux; elsewhere not checked.
import { readdirSync, readFileSync } from 'node:fs'
import { ConfigError } from '../errors/config-error.js'

/** Descriptors kept free for everything else the process opens (files, pipes, the runner's workers). */
export const FD_RESERVE = 64

/** The soft limit on open files and how many are open now, or undefined where /proc cannot say. */
export function fileDescriptors(): { limit: number; open: number } | undefined {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8')
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(limits)
    if (!match) return undefined
    const limit = match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1])
    return { limit, open: readdirSync('/proc/self/fd').length }
  } catch {
    return undefined
  }
}

/** Refuse a run whose connections cannot fit under the fd limit, before anything starts. */
export function checkFdLimit(nconn: number): void {
  const fds = fileDescriptors()
  if (!fds) return
  const room = fds.limit - fds.open - FD_RESERVE
  if (nconn > room) {
    throw new ConfigError(
      'nconn',
      nconn,
      `at most ${Math.max(0, room)} here`,
      `nconn ${nconn} does not fit under this process's open-file limit: ulimit -n is ${fds.limit}, ${fds.open} are open ` +
        `and ${FD_RESERVE} are kept free, so at most ${Math.max(0, room)} connections fit (one descriptor each; an echo server ` +
        'in this process needs one more per connection: run it in its own process, e.g. `quicksand echo-server`, or raise ulimit -n)',
    )
  }
}
