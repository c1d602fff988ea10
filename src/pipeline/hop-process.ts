// The built-in hop as a child process, for a hop in its own network namespace (`ip netns exec`),
// where a worker thread cannot go. Argument: the hop's HopData as JSON. Prints `[READY] port=...`
// once it listens, then its totals as [STATS:Ingress] / [STATS:Egress] lines every 50 ms and once
// more on SIGTERM, before it closes its sockets and exits.
import { startHop } from './hop.js'
import { udpSocketDrops } from './kernel.js'
import type { HopData } from './protocol.js'

const PRINT_MS = 50
const data = JSON.parse(process.argv[2] ?? '{}') as HopData
const hop = startHop(data)
let port = 0

const print = () => {
  const c = hop.counters()
  // Its namespace's /proc/net/udp: the kernel's drops at its own socket.
  const kernel = udpSocketDrops([port], data.host)?.get(port) ?? 0
  process.stdout.write(
    `[STATS:Ingress] hop=${data.hop} recv=${c.received} matched=${c.matched} buf_exhaust=${c.bufExhaust} ` +
      `parse_errors=${c.parseErrors} parse_lost=${c.parseLost} kernel_drops=${kernel}\n` +
      `[STATS:Egress] hop=${data.hop} submitted=${c.submitted} sent=${c.sent} errors=${c.sendErrors} ` +
      `bytes=${c.bytes} queued=${c.inPool}\n`,
  )
}

hop.ready.then(
  (ready) => {
    port = ready.port
    process.stdout.write(`[READY] port=${ready.port} recv_buffer=${ready.recvBufferBytes}\n`)
    const timer = setInterval(print, PRINT_MS)
    process.once('SIGTERM', () => {
      clearInterval(timer)
      print()
      void hop.close().then(() => process.exit(0))
    })
  },
  (error: Error) => {
    process.stderr.write(
      `hop ${data.hop} could not listen on ${data.host}:${data.bindPort}: ${error.message}\n`,
    )
    process.exit(1)
  },
)
