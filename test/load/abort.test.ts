import { afterEach, expect, test } from 'vitest'
import { RunError } from '../../src/errors/kinds.js'
import { type FabricNode, startNode } from '../../src/fabric/node.js'
import { runLoad } from '../../src/load/run.js'
import { until } from '../helpers/wait.js'

const nodes: FabricNode[] = []
afterEach(async () => {
  for (const node of nodes.splice(0)) await node.kill()
})

test('an aborted QUIC load closes its connection before its worker thread ends', async () => {
  const node = await startNode({ transport: 'quic' })
  nodes.push(node)
  const controller = new AbortController()
  const run = runLoad(
    { targets: [node], streams: 1000, concurrency: 8, workers: 1, bytesPerStream: 1024 * 1024 },
    { signal: controller.signal },
  )
  run.catch(() => undefined)
  // The worker is connected and sending.
  expect(await until(() => node.stats().transport.connections === 1 && node.stats().bytes > 0, 10_000)).toBe(
    true,
  )
  controller.abort(new RunError('aborted', 'the test ended while it ran'))
  await expect(run).rejects.toMatchObject({ kind: 'aborted' })
  // The worker closed its connection (CONNECTION_CLOSE) before it was ended: a thread
  // ended with its socket open would leave the node holding them until its idle timeout, and a
  // datagram reaching that socket mid-termination can bring the whole process down.
  expect(await until(() => node.stats().transport.connections === 0, 1000)).toBe(true)
})

test('a QUIC target takes one worker thread: more are refused before anything starts', async () => {
  await expect(runLoad({ targets: ['quic://127.0.0.1:4433'], streams: 4, workers: 2 })).rejects.toThrow(
    'workers must be 1 when a target is QUIC (quic://127.0.0.1:4433): two worker threads using the native QUIC binding at once crash the process, got 2',
  )
  await expect(
    runLoad({
      targets: [{ multipath: ['tcp://127.0.0.1:1', 'quic://127.0.0.1:2'] }],
      streams: 4,
      workers: 3,
    }),
  ).rejects.toThrow(
    /workers must be 1 when a target is QUIC \(multipath:.*quic:\/\/127\.0\.0\.1:2.*\).*got 3/,
  )
})
