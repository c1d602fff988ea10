import { readFileSync } from 'node:fs'

// What the kernel counts that a relay's own counters cannot see: datagrams dropped at a socket
// because its receive buffer was full.

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/** An IPv4 address as /proc/net/udp writes it: the four bytes in host (little-endian) order, hex. */
function procAddress(host: string): string {
  return host
    .split('.')
    .reverse()
    .map((byte) => Number(byte).toString(16).toUpperCase().padStart(2, '0'))
    .join('')
}

/**
 * The `drops` column of /proc/net/udp for the IPv4 sockets bound to `host` (default 127.0.0.1) on
 * `ports`, by port. Undefined when /proc is not readable. A socket must still be open to be listed.
 */
export function udpSocketDrops(
  ports: readonly number[],
  host = '127.0.0.1',
): Map<number, number> | undefined {
  const table = read('/proc/net/udp')
  if (table === undefined) return undefined
  const address = procAddress(host)
  const wanted = new Map(
    ports.map((port) => [`${address}:${port.toString(16).toUpperCase().padStart(4, '0')}`, port]),
  )
  const drops = new Map<number, number>()
  for (const line of table.split('\n').slice(1)) {
    const columns = line.trim().split(/\s+/)
    const port = wanted.get(columns[1] ?? '')
    // Columns: sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops.
    if (port !== undefined && columns.length >= 13) drops.set(port, Number(columns[12]))
  }
  return drops
}

/** The system-wide UDP RcvbufErrors counter of /proc/net/snmp (every socket of the host). */
export function udpRcvbufErrors(): number | undefined {
  const snmp = read('/proc/net/snmp')
  if (snmp === undefined) return undefined
  const lines = snmp.split('\n').filter((line) => line.startsWith('Udp:'))
  if (lines.length < 2) return undefined
  const names = lines[0]!.split(/\s+/)
  const values = lines[1]!.split(/\s+/)
  const at = names.indexOf('RcvbufErrors')
  return at < 0 ? undefined : Number(values[at])
}

/** The largest receive buffer an unprivileged socket may ask for (net.core.rmem_max). */
export function maxRecvBuffer(): number {
  const value = Number(read('/proc/sys/net/core/rmem_max')?.trim())
  return Number.isInteger(value) && value > 0 ? value : 4 * 1024 * 1024
}

/** Whether a UDP socket of this network namespace is bound to `port` (any local address). */
export function udpPortBound(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`
  for (const path of ['/proc/net/udp', '/proc/net/udp6']) {
    const table = read(path)
    if (table?.split('\n').some((line) => line.trim().split(/\s+/)[1]?.endsWith(hex))) return true
  }
  return false
}
