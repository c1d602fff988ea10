// A relay in its own process, for the crash test: opens the store, retries what is dead, submits
// the segments it has not seen yet, and reports each outcome on stdout. The test kills it with SIGKILL.
import { startRelay } from '../../src/relay/relay.js'
import { payload } from '../helpers/payload.js'

const [store, peer, firstText, countText] = process.argv.slice(2)
if (!store || !peer || !firstText || !countText) {
  throw new Error('usage: relay-child <store> <peer url> <first segment> <segment count>')
}
const start = Number(firstText)
const end = start + Number(countText)
const relay = await startRelay({ peer, store, attemptTimeout: 2000 })
process.stdout.write('ready\n')
const report = (id: string, delivered: boolean) =>
  process.stdout.write(`${delivered ? 'ok' : 'dead'} ${id}\n`)
const retried = await relay.retryAll()
for (const id of retried.delivered) report(id, true)
for (const id of retried.dead) report(id, false)
// Small batches, so a kill lands between sending and recording as often as anywhere else.
for (let first = start; first < end; first += 4) {
  const batch = []
  for (let i = first; i < Math.min(end, first + 4); i++) {
    const id = `seg-${i}`
    if (relay.ledger(id)) continue
    batch.push(relay.submit(id, payload(8192, i + 1)).then((r) => report(id, r.delivered)))
  }
  await Promise.all(batch)
}
await relay.stop()
process.stdout.write('done\n')
