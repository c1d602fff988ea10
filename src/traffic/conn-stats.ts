// What one connection did, in ctraffic's ConnStats spelling (times are ns after the run started).

/** One connection of a traffic run (ctraffic's ConnStats, plus where its kernel figure came from). */
export interface ConnStats {
  /** When the connection was begun (ns after the run started). */
  Started: number
  /** When it was up (ns); 0 when it never was. */
  Connect: number
  /** When it ended (ns); the run's end for one that lasted. */
  Ended: number
  /** Why it failed, in ctraffic's words ('EOF', '... i/o timeout'); '' when it lasted. */
  Err: string
  Sent: number
  Received: number
  Dropped: number
  /** The kernel's total retransmits of this connection (last figure read); null where none could be read. */
  Retransmits: number | null
  Local: string
  Remote: string
  /** The name the echo server stamped into its first reply. */
  Host?: string
}

/** A fresh record for a connection begun `startedNs` after the run started. */
export function newConnStats(startedNs: number, remote: string): ConnStats {
  return {
    Started: startedNs,
    Connect: 0,
    Ended: 0,
    Err: '',
    Sent: 0,
    Received: 0,
    Dropped: 0,
    Retransmits: null,
    Local: '',
    Remote: remote,
  }
}

/** The host name in a first reply: its bytes before the first NUL (none when it starts with one). */
export function hostStamp(reply: Buffer): string | undefined {
  const end = reply.indexOf(0)
  if (end === 0) return undefined
  return reply.subarray(0, end < 0 ? reply.length : end).toString('utf8')
}
