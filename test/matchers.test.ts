import { expect as jestExpect } from 'expect'
import { describe, expect, test } from 'vitest'
import type { LoadReport } from '../src/load/types.js'
import { verdict } from '../src/load/verdict/index.js'
import { matchers, type QuicksandMatchers } from '../src/matchers/index.js'
import { golden, TARGET_A, TARGET_B } from './helpers/golden-report.js'

expect.extend(matchers)
jestExpect.extend(matchers)

/** A copy of the golden report changed by `mutate`, with its verdict recomputed like a real run's. */
function reportWith(mutate: (report: LoadReport) => void = () => {}): LoadReport {
  const report = structuredClone(golden)
  mutate(report)
  return { ...report, ...verdict(report) }
}

const leaky = reportWith((r) => {
  r.channelLeaks = 2
  r.channelCloses = 198
  const b = r.targetStats[TARGET_B]!
  b.channelCloses = 98
  b.nodeChannelsActive = 2
})

const slow = reportWith((r) => {
  r.ackP95Ms = 0.8125
  r.targetStats[TARGET_B]!.ackP95Ms = 1.4
  r.setupLatencyP95Ms = 3.25
  r.targetStats[TARGET_A]!.setupP95Ms = 4.1
})

const failing = reportWith((r) => {
  r.failedStreams = 3
  r.successfulStreams = 197
  r.channelLeaks = 1
  r.channelCloses = 199
  r.errors = { connect_refused: 2, ack_timeout: 1 }
  r.errorMessages = {
    connect_refused: 'TCP connect to 127.0.0.1:41733 refused (connect ECONNREFUSED 127.0.0.1:41733)',
    ack_timeout: 'no ACK from 127.0.0.1:41734 on channel 7 within 2000 ms',
  }
})

// Colour codes differ between frameworks and terminals; assertions read the plain text.
function plain(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI escape sequences
  return text.replace(/\u001b\[[0-9;]*m/g, '')
}

/** The failure message an assertion throws, as plain text; fails the test if it does not throw. */
function failureOf(assertion: () => void): string {
  try {
    assertion()
  } catch (error) {
    return plain((error as Error).message)
  }
  throw new Error('expected the assertion to fail, but it passed')
}

type Expectation = QuicksandMatchers<void> & { not: QuicksandMatchers<void> }
const frameworks: Array<[name: string, expectOf: (value: unknown) => Expectation]> = [
  ['vitest expect', (value) => expect(value)],
  ['standalone expect', (value) => jestExpect(value)],
]

describe.each(frameworks)('%s', (_name, expectOf) => {
  describe('toPassVerdict', () => {
    test('passes a passing report and fails its .not', () => {
      expectOf(golden).toPassVerdict()
      const message = failureOf(() => expectOf(golden).not.toPassVerdict())
      expect(message).toContain('.not.toPassVerdict()')
      expect(message).toContain('Expected verdict: not "pass"')
      expect(message).toContain('Verdict reasons:\n  (none)')
    })

    test('fails a failing report with every reason and the top errors', () => {
      const message = failureOf(() => expectOf(failing).toPassVerdict())
      expect(message).toContain('toPassVerdict()')
      expect(message).toContain('Received verdict: "fail"')
      expect(message).toContain(
        'Verdict reasons:\n  - failed_streams=3\n  - channel_leaks=1\n  - channel_open_close_mismatch=200/199\n',
      )
      expect(message).toContain('streams 197/200 ok, 3 failed')
      // Each kind with one sample message that names the target.
      expect(message).toContain(
        'Errors:\n' +
          '  2 × connect_refused (TCP connect to 127.0.0.1:41733 refused (connect ECONNREFUSED 127.0.0.1:41733))\n' +
          '  1 × ack_timeout (no ACK from 127.0.0.1:41734 on channel 7 within 2000 ms)',
      )
      expectOf(failing).not.toPassVerdict()
    })
  })

  describe('toHaveNoChannelLeaks', () => {
    test('passes a clean report and fails its .not', () => {
      expectOf(golden).toHaveNoChannelLeaks()
      const message = failureOf(() => expectOf(golden).not.toHaveNoChannelLeaks())
      expect(message).toContain('.not.toHaveNoChannelLeaks()')
      expect(message).toContain('Received: "every channel closed"')
    })

    test('fails a leaky report with opens/closes/leaks overall and per target', () => {
      const message = failureOf(() => expectOf(leaky).toHaveNoChannelLeaks())
      expect(message).toContain('Expected: "no channel leaks"')
      expect(message).toContain('"2 channel(s) still open at the end of the run"')
      expect(message).toContain('"200 opened but 198 closed"')
      expect(message).toContain(`"${TARGET_B}: 100 opened but 98 closed"`)
      expect(message).toContain(`"${TARGET_B}: node still holds 2 channel(s)"`)
      expect(message).toContain('Channels overall: opens 200, closes 198, leaks 2')
      expect(message).toContain(`  ${TARGET_A}  opens 100, closes 100, node active 0`)
      expect(message).toContain(`  ${TARGET_B}  opens 100, closes 98, node active 2`)
      expectOf(leaky).not.toHaveNoChannelLeaks()
    })

    test('a node still holding channels is a leak even when the counters balance', () => {
      const held = reportWith((r) => {
        r.targetStats[TARGET_A]!.nodeChannelsActive = 1
      })
      expect(failureOf(() => expectOf(held).toHaveNoChannelLeaks())).toContain(
        `${TARGET_A}: node still holds 1 channel(s)`,
      )
    })
  })

  describe('toStayUnderAckP95', () => {
    test('passes at or under the limit, fractions included', () => {
      expectOf(golden).toStayUnderAckP95(0.5)
      expectOf(golden).toStayUnderAckP95(0.231)
      expectOf(golden).not.toStayUnderAckP95(0.23)
    })

    test('fails over the limit with each target’s p95', () => {
      const message = failureOf(() => expectOf(slow).toStayUnderAckP95(0.5))
      expect(message).toContain('toStayUnderAckP95(ms)')
      expect(message).toContain('Expected ack p95: <= 0.5 ms')
      expect(message).toContain('Received ack p95:    0.813 ms')
      expect(message).toContain(`  ${TARGET_A}  0.224 ms\n  ${TARGET_B}  1.4 ms  over the limit`)
    })

    test('says when in the run the p95 went over, and what happened just before', () => {
      const story = reportWith((r) => {
        r.ackP95Ms = 120
        r.timeline = [
          { at: 0, ms: 100, bytes: 10, ackP95Ms: 2 },
          { at: 100, ms: 100, bytes: 10, ackP95Ms: 3 },
          { at: 200, ms: 100, bytes: 10, ackP95Ms: 180 },
        ]
        r.events = [
          { at: 20, source: `node ${TARGET_A}`, type: 'node.start' },
          {
            at: 160,
            source: 'proxy tcp://127.0.0.1:5000',
            type: 'impairment.set',
            impairments: [{ kind: 'latency', ms: 150, name: 'latency_downstream', direction: 'downstream' }],
          },
          { at: 230, source: 'load', type: 'failover', stream: 3 },
        ]
      })
      const message = failureOf(() => expectOf(story).toStayUnderAckP95(50))
      expect(message).toContain(
        'ack p95 first went over 50 ms at 0.2 s (180 ms in the 100 ms from there), 40 ms after impairment.set (latency ms=150) on proxy tcp://127.0.0.1:5000',
      )
      // When no interval went over the limit (or a report has no timeline) there is no such line.
      const plain = failureOf(() => expectOf(slow).toStayUnderAckP95(0.5))
      expect(plain).not.toContain('first went over')
    })

    test('prints a tiny limit with the digits it was given', () => {
      const message = failureOf(() => expectOf(golden).toStayUnderAckP95(0.0001))
      expect(message).toContain('Expected ack p95: <= 0.0001 ms')
      expect(message).toContain('Received ack p95:    0.231 ms')
    })

    test('.not fails when under the limit', () => {
      const message = failureOf(() => expectOf(golden).not.toStayUnderAckP95(0.5))
      expect(message).toContain('.not.toStayUnderAckP95(ms)')
      expect(message).toContain('Expected ack p95: >  0.5 ms')
      expect(message).toContain('Received ack p95:    0.231 ms')
    })

    test('rejects a limit that is not a positive finite number', () => {
      for (const [limit, shown] of [
        [-1, '-1'],
        [0, '0'],
        [Number.NaN, 'NaN'],
        [Number.POSITIVE_INFINITY, 'Infinity'],
        ['5', "'5'"],
        [undefined, 'undefined'],
      ] as const) {
        expect(() => expectOf(golden).toStayUnderAckP95(limit as number)).toThrow(
          `toStayUnderAckP95(ms): ms must be a positive finite number of milliseconds, got ${shown}`,
        )
      }
    })
  })

  describe('toStayUnderSetupP95', () => {
    test('passes under the limit and fails over it with per-target setup p95', () => {
      expectOf(golden).toStayUnderSetupP95(1)
      const message = failureOf(() => expectOf(slow).toStayUnderSetupP95(2.5))
      expect(message).toContain('Expected setup p95: <= 2.5 ms')
      expect(message).toContain('Received setup p95:    3.25 ms')
      expect(message).toContain(`  ${TARGET_A}  4.1 ms  over the limit\n  ${TARGET_B}  0.995 ms`)
      expect(() => expectOf(golden).toStayUnderSetupP95(-2)).toThrow('toStayUnderSetupP95(ms): ms must be')
    })
  })

  describe('toHaveVerdictReason', () => {
    test('matches a reason by its name and lists the reasons when it does not', () => {
      expectOf(leaky).toHaveVerdictReason('channel_leaks')
      expectOf(leaky).toHaveVerdictReason('channel_open_close_mismatch=200/198')
      expectOf(leaky).not.toHaveVerdictReason('failed_streams')
      const missing = failureOf(() => expectOf(leaky).toHaveVerdictReason('failed_streams'))
      expect(missing).toContain('Expected a verdict reason starting with "failed_streams"')
      expect(missing).toContain(
        'Verdict reasons (fail):\n  - channel_leaks=2\n  - channel_open_close_mismatch=200/198',
      )
      const present = failureOf(() => expectOf(leaky).not.toHaveVerdictReason('channel_leaks'))
      expect(present).toContain('Expected no verdict reason starting with "channel_leaks"')
      expect(present).toContain('Received matching:\n  - "channel_leaks=2"\n')
      expect(failureOf(() => expectOf(golden).toHaveVerdictReason('channel_leaks'))).toContain(
        '(none: verdict pass)',
      )
    })

    test('rejects an empty prefix', () => {
      expect(() => expectOf(leaky).toHaveVerdictReason('')).toThrow(
        "toHaveVerdictReason(prefix): prefix must be a non-empty reason name such as 'channel_leaks', got ''",
      )
    })
  })

  describe('anything that is not a LoadReport', () => {
    const notReports: Array<[label: string, value: unknown, problem: string, shown: string]> = [
      ['undefined', undefined, 'got undefined', 'undefined'],
      ['null', null, 'got null', 'null'],
      ['a number', 42, 'got 42', '42'],
      ['an array', [golden], 'got an array of 1', '[{"schemaVersion"'],
      ['an empty object', {}, 'field schemaVersion must be a string, got undefined', '{}'],
      [
        'a report missing channelLeaks',
        (() => {
          const { channelLeaks: _dropped, ...rest } = golden
          return rest
        })(),
        'field channelLeaks must be a number, got undefined',
        '{"schemaVersion"',
      ],
      [
        'a report whose verdict is wrong',
        { ...golden, verdict: 'ok' },
        "field verdict must be 'pass' or 'fail', got 'ok'",
        '{"schemaVersion"',
      ],
    ]

    test.each(notReports)(
      '%s fails every matcher, also under .not, saying why first',
      (_label, value, problem, shown) => {
        const checks: Array<(e: QuicksandMatchers<void>) => void> = [
          (e) => e.toPassVerdict(),
          (e) => e.toHaveNoChannelLeaks(),
          (e) => e.toStayUnderAckP95(10),
          (e) => e.toStayUnderSetupP95(10),
          (e) => e.toHaveVerdictReason('channel_leaks'),
          (e) => e.toStayUnderAckP99(10),
          (e) => e.toFailOverWithin(10),
          (e) => e.toMigrateAwayFrom(TARGET_A),
          (e) => e.toSustainThroughput(1),
          (e) => e.toSpreadEvenly(),
          (e) => e.toStayWithinResources({ heapDeltaMb: 10 }),
        ]
        for (const check of checks) {
          for (const e of [expectOf(value), expectOf(value).not]) {
            const lines = failureOf(() => check(e)).split('\n')
            // The hint, then the one line that says what is wrong, then expected and received.
            expect(lines[2]).toBe(`received is not a quicksand LoadReport: ${problem}`)
            expect(lines[4]).toBe(
              'Expected: a LoadReport (what `await fabric.load(...)` or `await runLoad(...)` returns)',
            )
            expect(lines[5]).toContain(`Received: ${shown}`)
            expect(lines).toHaveLength(6)
            expect(lines[5]!.length).toBeLessThanOrEqual(200)
          }
        }
      },
    )

    test('an un-awaited run says to await it', () => {
      const pending = Promise.resolve(golden)
      const message = failureOf(() => expectOf(pending).toPassVerdict())
      expect(message).toContain('\n\nreceived a promise: await the load run before asserting on its report\n')
      expect(message).toContain('Received: a Promise')
    })
  })

  describe('toStayUnderAckP99', () => {
    test("compares the ACK p99 and prints each target's slowest ACK", () => {
      expectOf(golden).toStayUnderAckP99(0.5)
      const message = failureOf(() => expectOf(golden).toStayUnderAckP99(0.25))
      expect(message).toContain('Expected ack p99: <= 0.25 ms')
      expect(message).toContain('Received ack p99:    0.412 ms')
      expect(message).toContain(`max ack per target:\n  ${TARGET_A}  1.871 ms  over the limit`)
      expectOf(golden).not.toStayUnderAckP99(0.25)
    })
  })

  describe('toFailOverWithin', () => {
    const rerouted = reportWith((r) => {
      r.failoverEvents = 2
      r.failoverRecoveryP95Ms = 14.5
      r.rerouteLatencyP95Ms = 3.2
      r.recoverySamples = [
        { stream: 4, from: TARGET_B, to: TARGET_A, recoveryMs: 9.25 },
        { stream: 7, from: TARGET_B, to: TARGET_A, recoveryMs: 14.5 },
      ]
    })

    test('passes under the limit and prints each rerouted stream when over it', () => {
      expectOf(rerouted).toFailOverWithin(25)
      const message = failureOf(() => expectOf(rerouted).toFailOverWithin(10))
      expect(message).toContain('Expected failover recovery p95: <= 10 ms')
      expect(message).toContain('Received failover recovery p95:    14.5 ms')
      expect(message).toContain('2 failover(s); reroute latency p95 3.2 ms')
      expect(message).toContain(`  stream 4: ${TARGET_B} -> ${TARGET_A}  9.25 ms\n`)
      expect(message).toContain(`  stream 7: ${TARGET_B} -> ${TARGET_A}  14.5 ms  over the limit`)
    })

    test('a run where nothing failed over does not pass: there was no recovery', () => {
      const message = failureOf(() => expectOf(golden).toFailOverWithin(25))
      expect(message).toContain(
        'Received: "no stream failed over" (failoverEvents 0), so there is no recovery to measure',
      )
      expectOf(golden).not.toFailOverWithin(25)
    })
  })

  describe('toMigrateAwayFrom', () => {
    const migrated = reportWith((r) => {
      r.migrationEvents = 2
      r.config.migrateSlowStreams = true
      r.config.maxAckMs = 50
      r.degradedTargets = { [TARGET_B]: 'slow_ack' }
      r.targetStats[TARGET_B]!.degradedEvents = 2
      r.events = [
        { at: 10, source: 'load', type: 'migration', stream: 1, from: TARGET_B, to: TARGET_A, ackMs: 80 },
        { at: 12, source: 'load', type: 'migration', stream: 3, from: TARGET_B, to: TARGET_A, ackMs: 90 },
      ]
    })

    test('passes for the target streams left (URL or object) and says where they went', () => {
      expectOf(migrated).toMigrateAwayFrom(TARGET_B)
      expectOf(migrated).toMigrateAwayFrom({ url: TARGET_B })
      const message = failureOf(() => expectOf(migrated).not.toMigrateAwayFrom(TARGET_B))
      expect(message).toContain('Received: "2 migration(s) from it" of 2 in the run')
      expect(message).toContain(`${TARGET_B}: degraded (slow_ack), max ack 2.104 ms, degraded events 2`)
      expect(message).toContain(`Migrated to:\n  ${TARGET_A}  2`)
    })

    test('fails for a target nothing left, naming a target that is not in the run', () => {
      const message = failureOf(() => expectOf(migrated).toMigrateAwayFrom(TARGET_A))
      expect(message).toContain(`Expected: streams migrating away from "${TARGET_A}"`)
      expect(message).toContain('Migrated to: (nowhere)')
      const stranger = failureOf(() => expectOf(migrated).toMigrateAwayFrom('tcp://127.0.0.1:9'))
      expect(stranger).toContain("tcp://127.0.0.1:9 is not one of the run's targets")
    })
  })

  describe('toSustainThroughput', () => {
    test("compares megabits per second and prints each target's share of the bytes", () => {
      expectOf(golden).toSustainThroughput(50)
      const message = failureOf(() => expectOf(golden).toSustainThroughput(60))
      expect(message).toContain('Expected throughput: >= 60 Mbps')
      expect(message).toContain('Received throughput:    51.589 Mbps')
      expect(message).toContain(`  ${TARGET_A}  5939200 bytes (50%)`)
      expect(() => expectOf(golden).toSustainThroughput(-1)).toThrow(
        'toSustainThroughput(mbps): mbps must be a positive finite number of megabits per second, got -1',
      )
    })
  })

  describe('toStayWithinResources', () => {
    const grown = reportWith((r) => {
      r.resourceSummary = {
        sampleCount: 6,
        threads: 2,
        activeResourcesStart: 20,
        activeResourcesEnd: 45,
        activeResourcesMax: 50,
        activeResourcesDelta: 25,
        heapUsedStartBytes: 10 * 1048576,
        heapUsedEndBytes: 14 * 1048576,
        heapUsedMaxBytes: 15 * 1048576,
        heapUsedDeltaBytes: 4 * 1048576,
        openFdsStart: 40,
        openFdsEnd: 41,
        openFdsMax: 44,
        openFdsDelta: 1,
        gcCountDelta: 3,
        eventLoopDelayP99MaxMs: 2,
        activeStreamsMax: 16,
        activeRoutesMax: 2,
        slopesPerMinute: { activeResources: 12, heapUsedMb: 2.5, openFds: 0.5 },
      }
    })

    test('names each resource over its limit and prints every resource', () => {
      expectOf(grown).toStayWithinResources({ heapDeltaMb: 5, openFdDelta: 2 })
      const message = failureOf(() =>
        expectOf(grown).toStayWithinResources({ heapDeltaMb: 1, activeResourceDelta: 10 }),
      )
      expect(message).toContain('"heap grew 4 MiB > 1"')
      expect(message).toContain('"active resources grew by 25 > 10"')
      expect(message).toContain('Resources over 6 samples of 2 thread(s):')
      expect(message).toContain('  active resources  start 20, end 45, max 50, slope 12/min')
      expect(message).toContain('  heap used         start 10 MiB, end 14 MiB, max 15 MiB, slope 2.5 MiB/min')
      expect(message).toContain('  open fds          start 40, end 41, max 44')
      expect(() => expectOf(grown).toStayWithinResources({ heap: 1 } as never)).toThrow(
        "toStayWithinResources(limits): limits must be an object of heapDeltaMb, activeResourceDelta, openFdDelta, got unknown key 'heap'",
      )
    })

    test('a report without samples has nothing to check', () => {
      expect(failureOf(() => expectOf(golden).toStayWithinResources({ heapDeltaMb: 1 }))).toContain(
        'Received a report without resource samples: nothing to check',
      )
    })
  })

  describe('toSpreadEvenly', () => {
    test('applies the distribution rules whether or not the run asked for them', () => {
      expectOf(golden).toSpreadEvenly()
      const lopsided = reportWith((r) => {
        r.targetStreams = { [TARGET_A]: 200, [TARGET_B]: 0 }
      })
      expect(lopsided.verdict).toBe('pass')
      const message = failureOf(() => expectOf(lopsided).toSpreadEvenly())
      expect(message).toContain('"target_distribution_collapsed=1/2_targets_used"')
      expect(message).toContain(`  ${TARGET_B}  streams 0, bytes 5939200, max active 8`)
      expectOf(lopsided).not.toSpreadEvenly()
    })
  })
})

describe('vitest specifics', () => {
  test('matchers work asymmetrically inside toEqual', () => {
    expect({ run: golden }).toEqual({ run: expect.toPassVerdict() })
    expect({ run: leaky }).not.toEqual({ run: expect.toHaveNoChannelLeaks() })
  })

  test('matchers work under .resolves', async () => {
    await expect(Promise.resolve(golden)).resolves.toStayUnderAckP95(0.5)
  })
})
