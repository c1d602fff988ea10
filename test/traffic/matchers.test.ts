// The traffic matchers on reports of real runs: one steady, one with its echo server killed and
// restarted, each asserted through Vitest's expect and Jest's.
import { expect as jestExpect } from 'expect'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { matchers } from '../../src/matchers/index.js'
import { secondOf } from '../../src/matchers/traffic-guard.js'
import type { TimelineSample } from '../../src/run/timeline.js'
import { type EchoServer, startEchoServer } from '../../src/traffic/echo-server.js'
import type { TrafficReport } from '../../src/traffic/report.js'
import { runTraffic } from '../../src/traffic/run.js'
import { sleep, until } from '../helpers/wait.js'

expect.extend(matchers)
jestExpect.extend(matchers)

let steady: TrafficReport
let broken: TrafficReport
let server: EchoServer

beforeAll(async () => {
  server = await startEchoServer({ name: 'solo' })
  steady = await runTraffic({ target: server, nconn: 2, rate: 20, duration: '3s' })
  broken = await runTraffic({
    target: server,
    nconn: 2,
    rate: 20,
    duration: '6s',
    disturb: [
      {
        at: '1s',
        // Worker start-up varies with the machine's load: the kill waits for both connections.
        do: async () => {
          await until(() => server.connections === 2, 3000)
          await sleep(300)
          await server.kill()
          await sleep(500)
          await server.restart()
        },
        name: 'kill solo',
      },
    ],
  })
}, 30_000)

afterAll(() => server.close())

/** The interval in which the killed server's connections failed. */
function failedIn(): TimelineSample {
  const sample = broken.timeline.find((s) => (s.failedConnections ?? 0) > 0)
  if (!sample) throw new Error(`no failed connection in the timeline: ${JSON.stringify(broken.timeline)}`)
  return sample
}

test('the killed server failed both connections, once each', () => {
  expect(broken.FailedConnections).toBe(2)
  expect(failedIn().failedConnections).toBe(2)
})

describe.each([
  ['Vitest', expect as unknown as typeof jestExpect],
  ['Jest', jestExpect],
])('%s', (_, check) => {
  test('toLoseNoPackets passes a steady run and names the seconds and connections of a broken one', () => {
    check(steady).toLoseNoPackets()
    // The broken run with one echo missing and three late slots in its second second, as a
    // reply lost in flight and a slow path would leave it.
    const lossy: TrafficReport = {
      ...broken,
      Received: broken.Sent - 1,
      Dropped: 3,
      timeline: broken.timeline.map((s) => (s === failedIn() ? { ...s, dropped: 3 } : s)),
      ConnStats: broken.ConnStats.map((c, i) => (i === 0 ? { ...c, Received: c.Sent - 1, Dropped: 3 } : c)),
    }
    const failure = () => check(lossy).toLoseNoPackets()
    expect(failure).toThrow(`Sent ${broken.Sent}, Received ${broken.Sent - 1} (1 lost in flight), Dropped 3`)
    expect(failure).toThrow(`${secondOf(failedIn())}: 3 dropped`)
    expect(failure).toThrow(
      /Connections concerned:\n {2}127\.0\.0\.1:\d+ \(solo\): sent \d+, received \d+, dropped 3/,
    )
    check(lossy).not.toLoseNoPackets()
  })

  test('toKeepConnections counts failed connections and says when and why they failed', () => {
    check(steady).toKeepConnections()
    check(broken).toKeepConnections({ maxFailed: 2 })
    check(broken).not.toKeepConnections({ maxFailed: 1 })
    const failure = () => check(broken).toKeepConnections()
    expect(failure).toThrow('2 failed of 2')
    // The kill's second depends on how fast the worker started: the timeline says which it was.
    const second = secondOf(failedIn())
    expect(failure).toThrow(`${second}: 2 connection(s) failed`)
    const which = /^second (\d+) /.exec(second)![1]
    expect(failure).toThrow(
      new RegExp(
        `127\\.0\\.0\\.1:\\d+ \\(solo\\): failed in second ${which} after \\d+ echoes: .*connection reset by peer`,
      ),
    )
    expect(() => check(steady).toKeepConnections({ maxFaild: 1 } as never)).toThrow(
      "unknown field 'maxFaild' in toKeepConnections options; did you mean 'maxFailed'?",
    )
  })

  test('toStayUnderRetransmits compares the kernel figure, and fails both ways without one', () => {
    const withFigure = { ...steady, Retransmits: 4 }
    check(withFigure).toStayUnderRetransmits(4)
    expect(() => check(withFigure).toStayUnderRetransmits(3)).toThrow('4 retransmits over 2 connection(s)')
    const without = { ...steady, Retransmits: null, retransmitsReason: "'ss' (iproute2) is not installed" }
    expect(() => check(without).toStayUnderRetransmits(10)).toThrow("no retransmit figure: 'ss' (iproute2)")
    expect(() => check(without).not.toStayUnderRetransmits(10)).toThrow('no retransmit figure')
  })

  test('toRecoverWithin reads each disturbance, and refuses a run without any', () => {
    const [kill] = broken.disturbances
    expect(kill?.name).toBe('kill solo')
    expect(kill?.recoveryMs).not.toBeNull()
    check(broken).toRecoverWithin(10_000)
    const slow = () =>
      check({ ...broken, disturbances: [{ ...kill!, recoveryMs: 2000 }] }).toRecoverWithin(1000)
    expect(slow).toThrow('kill solo at 1000 ms: recovered in 2000 ms')
    const never = () =>
      check({ ...broken, disturbances: [{ ...kill!, recoveryMs: null }] }).toRecoverWithin(1000)
    expect(never).toThrow('never recovered before the run ended')
    expect(() => check(steady).toRecoverWithin(1000)).toThrow('The run had no disturbances')
  })

  test('a value that is not a traffic report fails with and without .not', () => {
    expect(() => check({ Sent: 1 }).toLoseNoPackets()).toThrow('field Received must be a number')
    expect(() => check({ Sent: 1 }).not.toLoseNoPackets()).toThrow('not a quicksand TrafficReport')
    expect(() => check(Promise.resolve(steady)).toKeepConnections()).toThrow('await traffic.run()')
  })
})
