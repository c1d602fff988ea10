import type { PacketCounter } from './impairment.js'
import type { ConnectionEnd, ConnectionRecord, ProxyStats } from './types.js'

/** Ends the proxy itself caused: they count as dropped connections, as the lab's conn_dropped. */
const DROPPED: ReadonlySet<ConnectionEnd> = new Set([
  'dial-failed',
  'refused',
  'outage',
  'cutoff',
  'limit-data',
  'reset',
  'timeout',
])

/** A connection's live record; counters are plain fields so the hot path only adds. */
export class ConnectionLog {
  bytesUpstream = 0
  bytesDownstream = 0
  end: ConnectionEnd = 'open'
  error: string | undefined
  closedAtMs = 0
  readonly openedAtMs = performance.now()
  readonly openedAt = Date.now()

  constructor(
    readonly id: number,
    readonly client: string,
  ) {}

  /** A plain snapshot. */
  toRecord(): ConnectionRecord {
    const end = this.end === 'open' ? performance.now() : this.closedAtMs
    const record: ConnectionRecord = {
      id: this.id,
      client: this.client,
      openedAt: this.openedAt,
      durationMs: Math.round((end - this.openedAtMs) * 1000) / 1000,
      bytesUpstream: this.bytesUpstream,
      bytesDownstream: this.bytesDownstream,
      end: this.end,
    }
    if (this.error) record.error = this.error
    return record
  }
}

/** A proxy's counters and connection records. */
export class ProxyCounters {
  private counts = blank()
  private readonly open = new Set<ConnectionLog>()
  private closed: ConnectionLog[] = []
  private nextId = 1

  constructor(private readonly maxRecords: number) {}

  /** Register a new connection or flow. */
  opened(client: string): ConnectionLog {
    const log = new ConnectionLog(this.nextId++, client)
    this.counts.connAccepted++
    this.open.add(log)
    return log
  }

  /** Bytes delivered to the target (upstream) or to the client (downstream). */
  delivered(log: ConnectionLog, upstream: boolean, bytes: number): void {
    if (upstream) {
      log.bytesUpstream += bytes
      this.counts.bytesUpstream += bytes
    } else {
      log.bytesDownstream += bytes
      this.counts.bytesDownstream += bytes
    }
  }

  /** Record how a connection ended; the first reason given wins. */
  finish(log: ConnectionLog, end: ConnectionEnd, error?: Error): void {
    if (log.end !== 'open') return
    log.end = end
    if (error) log.error = error.message
    log.closedAtMs = performance.now()
    if (DROPPED.has(end)) this.counts.connDropped++
    this.counts.lastConnBytes = log.bytesUpstream
    this.counts.lastConnMs = Math.round(log.closedAtMs - log.openedAtMs)
    this.open.delete(log)
    this.closed.push(log)
    if (this.closed.length > this.maxRecords * 2) this.closed = this.closed.slice(-this.maxRecords)
  }

  packet(counter: PacketCounter | 'packetsIn' | 'packetsOut', n = 1): void {
    this.counts[counter] += n
  }

  /** Zero counters and forget closed records; open connections stay listed. */
  reset(): void {
    this.counts = blank()
    this.closed = []
  }

  snapshot(): ProxyStats {
    const recent = this.closed.slice(-this.maxRecords)
    return {
      bytesFwd: this.counts.bytesUpstream,
      connAccepted: this.counts.connAccepted,
      connDropped: this.counts.connDropped,
      activeConn: this.open.size,
      lastConnBytes: this.counts.lastConnBytes,
      lastConnMs: this.counts.lastConnMs,
      bytesUpstream: this.counts.bytesUpstream,
      bytesDownstream: this.counts.bytesDownstream,
      connections: [...this.open, ...recent].map((log) => log.toRecord()),
      packetsIn: this.counts.packetsIn,
      packetsOut: this.counts.packetsOut,
      packetsDropped: this.counts.packetsDropped,
      packetsDuplicated: this.counts.packetsDuplicated,
      packetsReordered: this.counts.packetsReordered,
      packetsCorrupted: this.counts.packetsCorrupted,
    }
  }
}

function blank() {
  return {
    connAccepted: 0,
    connDropped: 0,
    lastConnBytes: 0,
    lastConnMs: 0,
    bytesUpstream: 0,
    bytesDownstream: 0,
    packetsIn: 0,
    packetsOut: 0,
    packetsDropped: 0,
    packetsDuplicated: 0,
    packetsReordered: 0,
    packetsCorrupted: 0,
  }
}
