import { type ChildProcess, spawn } from 'node:child_process'
import dgram from 'node:dgram'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterEach, expect, test } from 'vitest'
import { matchers, RunError, runPipeline } from '../../src/index.js'
import { udpPortBound } from '../../src/pipeline/kernel.js'

expect.extend(matchers)

const FORWARDER = fileURLToPath(new URL('./fixtures/forwarder.mjs', import.meta.url))
const started: ChildProcess[] = []

afterEach(async () => {
  for (const child of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await once(child, 'exit')
    }
  }
})

/** A UDP port free right now (bound and released). */
async function freePort(): Promise<number> {
  const socket = dgram.createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const { port } = socket.address()
  await new Promise<void>((resolve) => socket.close(resolve))
  return port
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

test('a command hop in the middle: fed, observed through its STATS lines, stopped at the end', async () => {
  const listen = `127.0.0.1:${await freePort()}`
  const report = await runPipeline({
    hops: [
      {},
      {
        command: [
          process.execPath,
          FORWARDER,
          '--listen',
          '{listen}',
          '--forward',
          '{forward}',
          '--hop',
          '{hop}',
          '--drop-every',
          '50',
        ],
        listen,
      },
      {},
    ],
    pps: 2000,
    count: 2000,
    packetSize: 600,
  })
  const hop2 = report.hops[1]!
  expect(hop2).toMatchObject({
    kind: 'command',
    observed: true,
    address: listen,
    received: 2000,
    bufExhaust: 40,
  })
  expect(hop2.sent).toBe(1960)
  expect(report.sink.delivered).toBe(1960)
  expect(report).toDropOnlyAt('hop2.bufExhaust')
  expect(report).toConservePackets()
  // Stopped and reaped: nothing listens on its address any more.
  expect(udpPortBound(Number(listen.split(':')[1]))).toBe(false)
})

test('an { address } hop already running: its losses are hop<N>.unobserved and the accounting balances', async () => {
  const [listenPort, forwardPort] = [await freePort(), await freePort()]
  // --quiet: the pipeline sees none of its counters, as with a relay it knows nothing about.
  const child = spawn(
    process.execPath,
    [
      FORWARDER,
      '--listen',
      `127.0.0.1:${listenPort}`,
      '--forward',
      `127.0.0.1:${forwardPort}`,
      '--drop-every',
      '25',
      '--quiet',
    ],
    { stdio: 'ignore' },
  )
  started.push(child)
  for (let i = 0; i < 250 && !udpPortBound(listenPort); i++) await new Promise((r) => setTimeout(r, 20))
  const report = await runPipeline({
    hops: [{}, { address: `127.0.0.1:${listenPort}`, forward: `127.0.0.1:${forwardPort}` }],
    pps: 2000,
    count: 1000,
    packetSize: 600,
  })
  expect(report.hops[1]).toMatchObject({ kind: 'address', observed: false, received: 0 })
  expect(report.sink.delivered).toBe(960)
  expect(report.accounting.drops['hop2.unobserved']).toBe(40)
  expect(report).toDropOnlyAt('hop2.unobserved')
  expect(report).toConservePackets()
  // Not the pipeline's to stop.
  expect(child.exitCode).toBeNull()
})

test('an { address } hop where nothing listens is refused before anything runs', async () => {
  const port = await freePort()
  await expect(
    runPipeline({
      hops: [{ address: `127.0.0.1:${port}`, forward: `127.0.0.1:${await freePort()}` }],
      pps: 100,
      count: 10,
    }),
  ).rejects.toThrow(`pipeline hop 1: nothing receives on 127.0.0.1:${port} (hops[0].address)`)
})

test('a command that exits at once fails the run with its exit code and output, leaving nothing behind', async () => {
  const port = await freePort()
  const run = runPipeline({
    hops: [
      {
        command: [process.execPath, '-e', 'console.error("no config"); process.exit(3)'],
        listen: `127.0.0.1:${port}`,
      },
    ],
    pps: 100,
    count: 10,
  })
  await expect(run).rejects.toThrow(RunError)
  await expect(run).rejects.toThrow(
    `pipeline hop 1 (${process.execPath}) exited with code 3 before it listened on 127.0.0.1:${port}; its last output:\nno config`,
  )
})

test('a command that never listens is killed after its startTimeout, with a clear error', async () => {
  const port = await freePort()
  const error = await runPipeline({
    hops: [
      {},
      {
        command: [process.execPath, '-e', 'console.log("pid=" + process.pid); setTimeout(() => {}, 60_000)'],
        listen: `127.0.0.1:${port}`,
        startTimeout: 500,
      },
    ],
    pps: 100,
    count: 10,
  }).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(RunError)
  expect((error as Error).message).toContain(`did not listen within 500 ms on 127.0.0.1:${port}`)
  const pid = Number(/pid=(\d+)/.exec((error as Error).message)?.[1])
  expect(pid).toBeGreaterThan(0)
  expect(alive(pid)).toBe(false)
})

test('a command hop that crashes mid-run fails the run naming it, its exit code and its last output', async () => {
  const port = await freePort()
  const run = runPipeline({
    hops: [
      {},
      {
        command: [
          process.execPath,
          FORWARDER,
          '--listen',
          '{listen}',
          '--forward',
          '{forward}',
          '--exit-after',
          '300',
        ],
        listen: `127.0.0.1:${port}`,
      },
      {},
    ],
    pps: 2000,
    // Far more than it lets through: the run must end on the crash, not run out its packets.
    count: 200_000,
  })
  await expect(run).rejects.toThrow(RunError)
  await expect(run).rejects.toThrow(
    `pipeline hop 2 (${process.execPath}) crashed mid-run (exited with code 3) on 127.0.0.1:${port}; its last output:`,
  )
  await expect(run).rejects.toThrow(/\nforwarder: giving up after 300 datagrams$/)
  expect(udpPortBound(port)).toBe(false)
})

test("a sink that cannot bind the last hop's fixed forward port fails at once with the bind error", async () => {
  // Someone else holds the port the last hop forwards to, where the sink must receive.
  const holder = dgram.createSocket('udp4')
  await new Promise<void>((resolve) => holder.bind(0, '127.0.0.1', resolve))
  const taken = holder.address().port
  try {
    const listen = await freePort()
    const error = await runPipeline({
      hops: [
        {
          command: [process.execPath, FORWARDER, '--listen', '{listen}', '--forward', '{forward}'],
          listen: `127.0.0.1:${listen}`,
          forward: `127.0.0.1:${taken}`,
        },
      ],
      pps: 100,
      count: 10,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RunError)
    expect((error as Error).message).toBe(
      `pipeline sink failed: the sink cannot bind 127.0.0.1:${taken}: bind EADDRINUSE 127.0.0.1:${taken} ` +
        '(hops[0].forward: the sink receives there; free the port or pick another)',
    )
    // The command was never started.
    expect(udpPortBound(listen)).toBe(false)
  } finally {
    await new Promise<void>((resolve) => holder.close(resolve))
  }
})
