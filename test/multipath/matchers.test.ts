import { expect as jestExpect } from 'expect'
import { describe, expect, test } from 'vitest'
import type { LoadReport } from '../../src/load/types.js'
import { matchers } from '../../src/matchers/index.js'
import type { MultipathStats, PathStats } from '../../src/multipath/connection.js'
import { golden } from '../helpers/golden-report.js'

expect.extend(matchers)
jestExpect.extend(matchers)

const path = (label: string, patch: Partial<PathStats> = {}): PathStats => ({
  label,
  state: 'up',
  sent: 0,
  received: 0,
  framesSent: 0,
  framesReceived: 0,
  retransmitted: 0,
  rttMs: 1,
  bytesInFlight: 0,
  failures: 0,
  redials: 0,
  ...patch,
})

const connection = (paths: PathStats[], longestAckGapMs: number): MultipathStats => ({
  cid: '00',
  scheduler: 'lowest-rtt',
  bytesWritten: 0,
  bytesRead: 0,
  framesRetransmitted: 0,
  unackedBytes: 0,
  longestAckGapMs,
  paths,
})

function reportWith(connections: MultipathStats[], failedStreams = 0): LoadReport {
  const report = structuredClone(golden) as LoadReport
  report.failedStreams = failedStreams
  // The golden report predates transport snapshots in its file; the matchers read only this part.
  report.transportSnapshot = {
    ...report.transportSnapshot,
    multipath: { 'multipath:tcp://127.0.0.1:1,tcp://127.0.0.1:2': connections },
  }
  return report
}

const survived = reportWith([
  connection(
    [path('a', { framesSent: 40, failures: 1, redials: 1 }), path('b', { framesSent: 60, retransmitted: 5 })],
    42,
  ),
])

describe.each([
  ['vitest', expect],
  ['jest', jestExpect as unknown as typeof expect],
])('multipath matchers under %s', (_name, check) => {
  test('toSurvivePathLoss passes on a lost path with a short stall and fails with each reason', () => {
    check(survived).toSurvivePathLoss({ maxStallMs: 50 })
    expect(() => check(survived).toSurvivePathLoss({ maxStallMs: 40 })).toThrow(
      /the longest ACK gap was 42 ms, over 40 ms/,
    )
    const untouched = reportWith([connection([path('a', { framesSent: 3 }), path('b')], 5)])
    expect(() => check(untouched).toSurvivePathLoss({ maxStallMs: 50 })).toThrow(/no path was lost/)
    const broken = reportWith(
      survived.transportSnapshot.multipath!['multipath:tcp://127.0.0.1:1,tcp://127.0.0.1:2']!,
      2,
    )
    expect(() => check(broken).toSurvivePathLoss({ maxStallMs: 50 })).toThrow(/2 stream\(s\) failed/)
    expect(() => check(golden).toSurvivePathLoss({ maxStallMs: 50 })).toThrow(/no multipath connection/)
    expect(() => check(survived).toSurvivePathLoss({ maxStallMs: -1 })).toThrow(
      /maxStallMs must be a positive number of milliseconds, got -1/,
    )
  })

  test('toUsePaths counts paths the scheduler put new frames on, not resends', () => {
    check(survived).toUsePaths(2)
    const resendOnly = reportWith([
      connection([path('a', { framesSent: 9 }), path('b', { framesSent: 2, retransmitted: 2 })], 1),
    ])
    check(resendOnly).toUsePaths(1)
    expect(() => check(resendOnly).toUsePaths(2)).toThrow(/b: 0 new frame\(s\) sent/)
    check(connection([path('a', { framesSent: 1 })], 0)).toUsePaths(1)
    expect(() => check({ paths: 'no' }).toUsePaths(1)).toThrow(/not a quicksand LoadReport/)
  })
})
