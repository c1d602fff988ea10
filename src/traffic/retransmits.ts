// The kernel's retransmit counts (tcpi_total_retrans) of TCP connections, read through `ss -ti`
// from iproute2: no native addon, and never an estimate. Where ss cannot be run the reading
// says why, so the report can say `Retransmits: null` with the reason.
import { execFile } from 'node:child_process'

/** Total retransmits per local 'host:port', or why they could not be read. */
export type RetransmitReading = { ok: true; byLocal: Map<string, number> } | { ok: false; reason: string }

/** Longest a single `ss` run may take. */
const SS_TIMEOUT_MS = 5000

/** Parse `ss -tinH` output: socket lines 'RecvQ SendQ LOCAL PEER' each followed by an info line. */
export function parseSs(output: string): Map<string, number> {
  const byLocal = new Map<string, number>()
  let local: string | undefined
  for (const line of output.split('\n')) {
    if (line.length === 0) continue
    if (!/^\s/.test(line)) {
      local = line.trim().split(/\s+/)[2]
      if (local) byLocal.set(local, 0)
      continue
    }
    const total = /\bretrans:\d+\/(\d+)/.exec(line)
    if (local && total) byLocal.set(local, Number(total[1]))
  }
  return byLocal
}

/** Read the retransmits of every established connection to `remote` ('host:port'). */
export function readRetransmits(remote: string): Promise<RetransmitReading> {
  return new Promise((resolve) => {
    execFile(
      'ss',
      ['-tinH', 'state', 'established', 'dst', remote],
      { timeout: SS_TIMEOUT_MS, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const code = (error as NodeJS.ErrnoException).code
          const detail =
            stderr.trim().split('\n')[0] ||
            (error.killed ? `no answer within ${SS_TIMEOUT_MS} ms` : error.message.split('\n')[0])
          const reason =
            code === 'ENOENT'
              ? "'ss' (iproute2) is not installed, so the kernel's TCP_INFO could not be read"
              : `'ss -ti' failed: ${detail}`
          resolve({ ok: false, reason })
        } else resolve({ ok: true, byLocal: parseSs(stdout) })
      },
    )
  })
}
