import { describe, expect, test } from 'vitest'
import type { LoadReport } from '../src/load/types.js'
import {
  formatComparison,
  formatMetric,
  type VerdictInput,
  verdict,
  verdictRules,
} from '../src/load/verdict/index.js'
import { formatThreshold } from '../src/load/verdict/metric-format.js'
import { golden, TARGET_A, TARGET_B } from './helpers/golden-report.js'

/** A fresh copy of the golden passing report, changed by `mutate`. */
function reportWith(mutate: (report: LoadReport) => void = () => {}): LoadReport {
  const report = structuredClone(golden)
  mutate(report)
  return report
}

describe('verdict on the golden report', () => {
  test('passes with no reasons, as recorded in the fixture', () => {
    expect(verdict(golden)).toEqual({ verdict: 'pass', verdictReasons: [] })
    expect(golden.verdict).toBe('pass')
  })

  test('accepts a report before its verdict fields exist', () => {
    const {
      verdict: _v,
      verdictReasons: _r,
      ...input
    } = reportWith((r) => {
      r.failedStreams = 1
    })
    const partial: VerdictInput = input
    expect(verdict(partial)).toEqual({ verdict: 'fail', verdictReasons: ['failed_streams=1'] })
  })
})

describe('each rule fires alone with the reference reason string', () => {
  const cases: Array<[rule: string, mutate: (r: LoadReport) => void, reasons: string[]]> = [
    [
      'failed_streams',
      (r) => {
        r.failedStreams = 3
        r.successfulStreams = 197
      },
      ['failed_streams=3'],
    ],
    [
      'setup_p95_ms',
      (r) => {
        r.config.maxSetupP95Ms = 0.5
      },
      ['setup_p95_ms=0.981 > 0.5'],
    ],
    [
      'setup_p99_ms',
      (r) => {
        r.config.maxSetupP99Ms = 1.25
      },
      ['setup_p99_ms=1.433 > 1.25'],
    ],
    [
      'no_bytes_sent',
      (r) => {
        r.bytesSent = 0
      },
      ['no_bytes_sent'],
    ],
    [
      'throughput_bps',
      (r) => {
        r.config.minThroughputMbps = 60
      },
      ['throughput_bps=51589142 < 60000000'],
    ],
    [
      'throughput_bps (fractional Mbps)',
      (r) => {
        r.config.minThroughputMbps = 51.6
      },
      ['throughput_bps=51589142 < 51600000'],
    ],
    [
      'channel_churn_per_sec',
      (r) => {
        r.config.minChannelChurnPerSec = 150
      },
      ['channel_churn_per_sec=108.578 < 150'],
    ],
    [
      'ack_mismatched_streams',
      (r) => {
        r.ackMismatchedStreams = 2
      },
      ['ack_mismatched_streams=2'],
    ],
    [
      'ack_integrity_errors',
      (r) => {
        r.ackIntegrityErrors = 1
      },
      ['ack_integrity_errors=1'],
    ],
    [
      'route_pressure_active_leak (per-target map only)',
      (r) => {
        r.routePressure.active = { [TARGET_B]: 0 }
      },
      ['route_pressure_active_leak=0'],
    ],
    [
      'route_pressure_acquire_release_mismatch',
      (r) => {
        r.routePressure.acquiredTotal = 201
      },
      ['route_pressure_acquire_release_mismatch=201/200'],
    ],
    [
      'channel_leaks',
      (r) => {
        r.channelLeaks = 2
      },
      ['channel_leaks=2'],
    ],
    [
      'channel_open_close_mismatch',
      (r) => {
        r.channelCloses = 198
      },
      ['channel_open_close_mismatch=200/198'],
    ],
    [
      'route_pressure_missing_acquires',
      (r) => {
        r.routePressure.acquiredTotal = 150
        r.routePressure.releasedTotal = 150
      },
      // Fewer acquires than channels also trips the reference's opens-vs-acquires check.
      [
        'channel_opens_exceed_route_acquires_and_probes=200/150',
        'route_pressure_missing_acquires=150 < successful_streams=200',
      ],
    ],
    [
      'route_pressure_max_active_total',
      (r) => {
        r.routePressure.maxActiveTotal = 17
      },
      ['route_pressure_max_active_total=17 > concurrency=16'],
    ],
    [
      'ack_p95_ms',
      (r) => {
        r.ackP95Ms = 0.612
      },
      ['ack_p95_ms=0.612 > 0.5'],
    ],
    [
      'ack_p99_ms',
      (r) => {
        r.config.maxAckP99Ms = 0.25
      },
      ['ack_p99_ms=0.412 > 0.25'],
    ],
    [
      'control_ack_p95_ms',
      (r) => {
        r.config.maxControlAckP95Ms = 0.1
      },
      ['control_ack_p95_ms=0.117 > 0.1'],
    ],
    [
      'active_resource_delta',
      (r) => {
        r.resourceSummary = {
          sampleCount: 4,
          threads: 2,
          activeResourcesStart: 20,
          activeResourcesEnd: 45,
          activeResourcesMax: 50,
          activeResourcesDelta: 25,
          heapUsedStartBytes: 10_000_000,
          heapUsedEndBytes: 40_000_000,
          heapUsedMaxBytes: 41_000_000,
          heapUsedDeltaBytes: 30_000_000,
          openFdsStart: 40,
          openFdsEnd: 70,
          openFdsMax: 90,
          openFdsDelta: 30,
          gcCountDelta: 3,
          eventLoopDelayP99MaxMs: 2,
          activeStreamsMax: 16,
          activeRoutesMax: 2,
        }
        r.config.maxActiveResourceDelta = 10
      },
      ['active_resource_delta=25 > 10'],
    ],
    [
      'heap_alloc_delta_bytes',
      (r) => {
        r.resourceSummary = {
          sampleCount: 4,
          threads: 2,
          activeResourcesStart: 20,
          activeResourcesEnd: 45,
          activeResourcesMax: 50,
          activeResourcesDelta: 25,
          heapUsedStartBytes: 10_000_000,
          heapUsedEndBytes: 40_000_000,
          heapUsedMaxBytes: 41_000_000,
          heapUsedDeltaBytes: 30_000_000,
          openFdsStart: 40,
          openFdsEnd: 70,
          openFdsMax: 90,
          openFdsDelta: 30,
          gcCountDelta: 3,
          eventLoopDelayP99MaxMs: 2,
          activeStreamsMax: 16,
          activeRoutesMax: 2,
        }
        r.config.maxHeapDeltaMb = 16
      },
      ['heap_alloc_delta_bytes=30000000 > 16777216'],
    ],
    [
      'open_fd_delta',
      (r) => {
        r.resourceSummary = {
          sampleCount: 4,
          threads: 2,
          activeResourcesStart: 20,
          activeResourcesEnd: 45,
          activeResourcesMax: 50,
          activeResourcesDelta: 25,
          heapUsedStartBytes: 10_000_000,
          heapUsedEndBytes: 40_000_000,
          heapUsedMaxBytes: 41_000_000,
          heapUsedDeltaBytes: 30_000_000,
          openFdsStart: 40,
          openFdsEnd: 70,
          openFdsMax: 90,
          openFdsDelta: 30,
          gcCountDelta: 3,
          eventLoopDelayP99MaxMs: 2,
          activeStreamsMax: 16,
          activeRoutesMax: 2,
        }
        r.config.maxOpenFdDelta = 20
      },
      ['open_fd_delta=30 > 20'],
    ],
    [
      'open_fds_max',
      (r) => {
        r.resourceSummary = {
          sampleCount: 4,
          threads: 2,
          activeResourcesStart: 20,
          activeResourcesEnd: 45,
          activeResourcesMax: 50,
          activeResourcesDelta: 25,
          heapUsedStartBytes: 10_000_000,
          heapUsedEndBytes: 40_000_000,
          heapUsedMaxBytes: 41_000_000,
          heapUsedDeltaBytes: 30_000_000,
          openFdsStart: 40,
          openFdsEnd: 70,
          openFdsMax: 90,
          openFdsDelta: 30,
          gcCountDelta: 3,
          eventLoopDelayP99MaxMs: 2,
          activeStreamsMax: 16,
          activeRoutesMax: 2,
        }
        r.config.maxOpenFds = 64
      },
      ['open_fds_max=90 > 64'],
    ],
    [
      'expected_degraded_target_not_observed',
      (r) => {
        Object.assign(r.config, { migrateSlowStreams: true, maxAckMs: 50, impairTarget: 1 })
        r.degradedTargets = { [TARGET_A]: 'slow_ack' }
        r.migrationEvents = 3
      },
      ['expected_degraded_target_not_observed'],
    ],
    [
      'degraded_targets_without_migration',
      (r) => {
        Object.assign(r.config, { migrateSlowStreams: true, maxAckMs: 50 })
        r.degradedTargets = { [TARGET_A]: 'slow_ack' }
        r.migrationEvents = 0
      },
      ['degraded_targets_without_migration'],
    ],
    [
      'reroute_p95_ms',
      (r) => {
        r.rerouteLatencyP95Ms = 12.5
        r.config.maxRerouteP95Ms = 10
      },
      ['reroute_p95_ms=12.5 > 10'],
    ],
    [
      'reroute_p99_ms',
      (r) => {
        r.rerouteLatencyP99Ms = 30
        r.config.maxRerouteP99Ms = 25
      },
      ['reroute_p99_ms=30 > 25'],
    ],
    [
      'channel_opens_exceed_route_acquires_and_probes',
      (r) => {
        r.channelOpens = 205
        r.channelCloses = 205
        r.targetProbes = [
          { target: TARGET_A, rttMs: 0.1, usable: true },
          { target: TARGET_B, rttMs: 0.1, usable: true },
        ]
      },
      ['channel_opens_exceed_route_acquires_and_probes=205/202'],
    ],
    [
      'target_distribution_collapsed',
      (r) => {
        r.config.checkDistribution = true
        r.targetStreams = { [TARGET_A]: 200, [TARGET_B]: 0 }
      },
      ['target_distribution_collapsed=1/2_targets_used'],
    ],
    [
      'target_distribution_skew',
      (r) => {
        r.config.checkDistribution = true
        r.targetStreams = { [TARGET_A]: 150, [TARGET_B]: 50 }
      },
      ['target_distribution_skew=max_150_min_50_allowed_50'],
    ],
    [
      'target_byte_distribution_skew',
      (r) => {
        r.config.checkDistribution = true
        r.targetBytes = { [TARGET_A]: 11_877_400, [TARGET_B]: 1000 }
      },
      ['target_byte_distribution_skew=max_11877400_min_1000_allowed_1484800'],
    ],
    [
      'target_ack_ms',
      (r) => {
        r.config.maxTargetAckMs = 2
      },
      [`target_ack_ms=${TARGET_B}:2.104>2`],
    ],
    [
      'route_pressure_distribution_collapsed',
      (r) => {
        r.config.checkDistribution = true
        r.routePressure.maxActive = { [TARGET_A]: 16, [TARGET_B]: 0 }
      },
      ['route_pressure_distribution_collapsed=1/2_targets_used'],
    ],
    [
      'route_pressure_distribution_skew',
      (r) => {
        r.config.checkDistribution = true
        r.routePressure.maxActive = { [TARGET_A]: 14, [TARGET_B]: 2 }
      },
      ['route_pressure_distribution_skew=max_14_min_2_allowed_8'],
    ],
    [
      'compat_route_modes_observed',
      (r) => {
        r.targetStats[TARGET_A]!.routeModes = { direct: 90, Pigeon: 10 }
        r.targetStats[TARGET_B]!.routeModes = { carrier: 2, pigeon: 1 }
      },
      ['compat_route_modes_observed=carrier:2,pigeon:11'],
    ],
    [
      'route_mode_coverage_missing',
      (r) => {
        r.config.topologyProfile = 'nat-lan-relay'
        r.config.targets = [TARGET_A, TARGET_B, 'tcp://127.0.0.1:3', 'tcp://127.0.0.1:4']
        r.targetStats[TARGET_A]!.routeModes = { lan: 100 }
        r.targetStats[TARGET_B]!.routeModes = { ice: 100 }
      },
      ['route_mode_coverage_missing=reverse,relay'],
    ],
    [
      'non_quic_targets',
      (r) => {
        r.config.requireQuic = true
      },
      [`non_quic_targets=${TARGET_A},${TARGET_B}`],
    ],
  ]

  test.each(cases)('%s', (_rule, mutate, reasons) => {
    expect(verdict(reportWith(mutate))).toEqual({ verdict: 'fail', verdictReasons: reasons })
  })

  test('a held route reports both the leak and the unbalanced acquire/release', () => {
    const report = reportWith((r) => {
      r.routePressure.releasedTotal = 199
      r.routePressure.activeTotal = 1
      r.routePressure.active = { [TARGET_A]: 1 }
    })
    expect(verdict(report).verdictReasons).toEqual([
      'route_pressure_active_leak=1',
      'route_pressure_acquire_release_mismatch=200/199',
    ])
  })
})

describe('rules stay quiet', () => {
  test('thresholds are off when unset or 0, however bad the figures', () => {
    for (const off of [undefined, 0]) {
      const report = reportWith((r) => {
        Object.assign(r.config, {
          maxAckP95Ms: off,
          maxAckP99Ms: off,
          maxControlAckP95Ms: off,
          maxSetupP95Ms: off,
          maxSetupP99Ms: off,
          minThroughputMbps: off,
          minChannelChurnPerSec: off,
        })
        r.ackP95Ms = 9_000
        r.ackP99Ms = 9_000
        r.controlAckP95Ms = 9_000
        r.setupLatencyP95Ms = 9_000
        r.setupLatencyP99Ms = 9_000
        r.throughputBps = 1
        r.channelChurnPerSec = 0
      })
      expect(verdict(report)).toEqual({ verdict: 'pass', verdictReasons: [] })
    }
  })

  test('a figure equal to its threshold passes', () => {
    const report = reportWith((r) => {
      Object.assign(r.config, {
        maxAckP95Ms: r.ackP95Ms,
        maxAckP99Ms: r.ackP99Ms,
        maxControlAckP95Ms: r.controlAckP95Ms,
        maxSetupP95Ms: r.setupLatencyP95Ms,
        maxSetupP99Ms: r.setupLatencyP99Ms,
        minThroughputMbps: r.throughputBps / 1e6,
        minChannelChurnPerSec: r.channelChurnPerSec,
      })
      r.routePressure.maxActiveTotal = r.config.concurrency
    })
    expect(verdict(report).verdictReasons).toEqual([])
  })

  test('control ACK threshold is skipped when no control streams ran', () => {
    const report = reportWith((r) => {
      r.config.maxControlAckP95Ms = 0.1
      r.controlStreams = 0
    })
    expect(verdict(report).verdictReasons).toEqual([])
  })

  test('requireQuic is off by default and passes all-quic targets', () => {
    expect(
      verdict(
        reportWith((r) => {
          r.config.requireQuic = false
        }),
      ).verdictReasons,
    ).toEqual([])
    const allQuic = reportWith((r) => {
      r.config.requireQuic = true
      r.config.targets = ['quic://127.0.0.1:41731', ' QUIC://127.0.0.1:41733 ']
    })
    expect(verdict(allQuic).verdictReasons).toEqual([])
  })

  test('requireQuic lists non-quic targets trimmed and sorted', () => {
    const report = reportWith((r) => {
      r.config.requireQuic = true
      r.config.targets = ['tcp://127.0.0.1:9002', 'quic://127.0.0.1:9000', ' tcp://127.0.0.1:9001 ']
    })
    expect(verdict(report).verdictReasons).toEqual([
      'non_quic_targets=tcp://127.0.0.1:9001,tcp://127.0.0.1:9002',
    ])
  })

  test('route pressure checks are skipped when nothing succeeded or concurrency is unset', () => {
    const report = reportWith((r) => {
      r.successfulStreams = 0
      r.failedStreams = 200
      r.routePressure.acquiredTotal = 0
      r.routePressure.releasedTotal = 0
      r.config.concurrency = 0
      r.routePressure.maxActiveTotal = 64
    })
    expect(verdict(report).verdictReasons).toEqual(['failed_streams=200'])
  })
})

describe('fractional thresholds', () => {
  test('sub-millisecond ACK limits compare and print with fractions', () => {
    const quiet = reportWith((r) => {
      r.config.maxAckP95Ms = 0.25
    })
    expect(verdict(quiet).verdictReasons).toEqual([])
    const loud = reportWith((r) => {
      r.config.maxAckP95Ms = 0.2305
    })
    expect(verdict(loud).verdictReasons).toEqual(['ack_p95_ms=0.231 > 0.2305'])
    const tight = reportWith((r) => {
      r.config.maxAckP95Ms = 0.125
    })
    expect(verdict(tight).verdictReasons).toEqual(['ack_p95_ms=0.231 > 0.125'])
  })

  test('formatMetric keeps up to 3 decimals and trims zeros', () => {
    expect(formatMetric(0.5)).toBe('0.5')
    expect(formatMetric(0.231)).toBe('0.231')
    expect(formatMetric(1 / 3)).toBe('0.333')
    expect(formatMetric(2.1)).toBe('2.1')
    expect(formatMetric(40)).toBe('40')
    expect(formatMetric(51_600_000)).toBe('51600000')
    expect(formatMetric(0.0004)).toBe('0')
    expect(formatMetric(-0.0004)).toBe('0')
    expect(formatMetric(Number.NaN)).toBe('NaN')
  })
})

describe('order', () => {
  test('reasons follow the reference order when everything is wrong', () => {
    const report = reportWith((r) => {
      r.failedStreams = 5
      r.successfulStreams = 195
      r.bytesSent = 0
      r.ackMismatchedStreams = 1
      r.ackIntegrityErrors = 4
      r.routePressure = {
        acquiredTotal: 100,
        releasedTotal: 98,
        activeTotal: 2,
        active: { [TARGET_A]: 2 },
        maxActiveTotal: 40,
        maxActive: { [TARGET_A]: 40 },
      }
      r.channelLeaks = 3
      r.channelCloses = 197
      r.ackP95Ms = 12.5
      r.ackP99Ms = 40
      r.setupLatencyP95Ms = 8
      r.setupLatencyP99Ms = 30
      r.controlAckP95Ms = 7.25
      r.throughputBps = 1_000_000
      r.channelChurnPerSec = 2.5
      Object.assign(r.config, {
        maxAckP95Ms: 0.5,
        maxAckP99Ms: 1,
        maxControlAckP95Ms: 0.75,
        maxSetupP95Ms: 2,
        maxSetupP99Ms: 4,
        minThroughputMbps: 1.5,
        minChannelChurnPerSec: 10,
        requireQuic: true,
        migrateSlowStreams: true,
        maxAckMs: 50,
        impairTarget: 0,
      })
      r.degradedTargets = { [TARGET_B]: 'ack_timeout' }
      r.migrationEvents = 0
      r.rerouteLatencyP95Ms = 20
      r.rerouteLatencyP99Ms = 50
      r.config.maxRerouteP95Ms = 10
      r.config.maxRerouteP99Ms = 40
      r.channelOpens = 205
      r.targetStats[TARGET_A]!.routeModes = { pigeon: 1 }
      r.resourceSummary = {
        sampleCount: 4,
        threads: 2,
        activeResourcesStart: 20,
        activeResourcesEnd: 45,
        activeResourcesMax: 50,
        activeResourcesDelta: 25,
        heapUsedStartBytes: 10_000_000,
        heapUsedEndBytes: 40_000_000,
        heapUsedMaxBytes: 41_000_000,
        heapUsedDeltaBytes: 30_000_000,
        openFdsStart: 40,
        openFdsEnd: 70,
        openFdsMax: 90,
        openFdsDelta: 30,
        gcCountDelta: 3,
        eventLoopDelayP99MaxMs: 2,
        activeStreamsMax: 16,
        activeRoutesMax: 2,
      }
      Object.assign(r.config, {
        maxActiveResourceDelta: 10,
        maxHeapDeltaMb: 16,
        maxOpenFdDelta: 20,
        maxOpenFds: 64,
      })
    })
    const result = verdict(report)
    expect(result.verdict).toBe('fail')
    expect(result.verdictReasons).toEqual([
      'failed_streams=5',
      'setup_p95_ms=8 > 2',
      'setup_p99_ms=30 > 4',
      'reroute_p95_ms=20 > 10',
      'reroute_p99_ms=50 > 40',
      'no_bytes_sent',
      'throughput_bps=1000000 < 1500000',
      'channel_churn_per_sec=2.5 < 10',
      'ack_mismatched_streams=1',
      'ack_integrity_errors=4',
      'route_pressure_active_leak=2',
      'route_pressure_acquire_release_mismatch=100/98',
      'channel_leaks=3',
      'channel_open_close_mismatch=205/197',
      'channel_opens_exceed_route_acquires_and_probes=205/100',
      'route_pressure_missing_acquires=100 < successful_streams=195',
      'route_pressure_max_active_total=40 > concurrency=16',
      'ack_p95_ms=12.5 > 0.5',
      'ack_p99_ms=40 > 1',
      'control_ack_p95_ms=7.25 > 0.75',
      'active_resource_delta=25 > 10',
      'heap_alloc_delta_bytes=30000000 > 16777216',
      'open_fd_delta=30 > 20',
      'open_fds_max=90 > 64',
      'expected_degraded_target_not_observed',
      'degraded_targets_without_migration',
      `non_quic_targets=${TARGET_A},${TARGET_B}`,
      'compat_route_modes_observed=pigeon:1',
    ])
    // The distribution and target ACK rules stand down while a target is impaired on purpose,
    // and a collapse hides a skew: two more reports fire the rest, each in the rules' order.
    const distribution = verdict(
      reportWith((r) => {
        r.config.checkDistribution = true
        r.config.maxTargetAckMs = 1.5
        r.targetStreams = { [TARGET_A]: 200, [TARGET_B]: 0 }
        r.targetBytes = { [TARGET_A]: 11_877_400, [TARGET_B]: 1000 }
        r.routePressure.maxActive = { [TARGET_A]: 16, [TARGET_B]: 0 }
      }),
    ).verdictReasons
    expect(distribution).toEqual([
      'target_distribution_collapsed=1/2_targets_used',
      'target_byte_distribution_skew=max_11877400_min_1000_allowed_1484800',
      `target_ack_ms=${TARGET_A}:1.871>1.5`,
      `target_ack_ms=${TARGET_B}:2.104>1.5`,
      'route_pressure_distribution_collapsed=1/2_targets_used',
    ])
    const skew = verdict(
      reportWith((r) => {
        r.config.checkDistribution = true
        r.targetStreams = { [TARGET_A]: 150, [TARGET_B]: 50 }
        r.routePressure.maxActive = { [TARGET_A]: 14, [TARGET_B]: 2 }
      }),
    ).verdictReasons
    expect(skew).toEqual([
      'target_distribution_skew=max_150_min_50_allowed_50',
      'route_pressure_distribution_skew=max_14_min_2_allowed_8',
    ])
    const coverage = verdict(
      reportWith((r) => {
        r.config.topologyProfile = 'mixed-public-nat-lan-relay'
        r.config.targets = [TARGET_A, TARGET_B, 'tcp://127.0.0.1:3', 'tcp://127.0.0.1:4']
      }),
    ).verdictReasons
    expect(coverage).toEqual(['route_mode_coverage_missing=lan,ice,reverse,relay'])
    const names = verdictRules.map((r) => r.name)
    const nameOf = (reason: string) => reason.split(/[=]/)[0]!
    for (const reasons of [result.verdictReasons, distribution, skew, coverage]) {
      const positions = reasons.map((reason) => names.indexOf(nameOf(reason)))
      expect(positions.every((p, i) => p >= 0 && (i === 0 || p >= positions[i - 1]!))).toBe(true)
    }
    // Together they fire every rule there is.
    const fired = new Set([...result.verdictReasons, ...distribution, ...skew, ...coverage].map(nameOf))
    expect([...fired].sort()).toEqual([...names].sort())
  })

  test('the distribution rules are off unless asked for, and stand down when placement is uneven on purpose', () => {
    const collapsed = (r: LoadReport) => {
      r.targetStreams = { [TARGET_A]: 150, [TARGET_B]: 50 }
      r.routePressure.maxActive = { [TARGET_A]: 16, [TARGET_B]: 0 }
    }
    expect(verdict(reportWith(collapsed)).verdictReasons).toEqual([])
    const impaired = reportWith((r) => {
      collapsed(r)
      Object.assign(r.config, { checkDistribution: true, impairTarget: 1, maxTargetAckMs: 1 })
    })
    expect(verdict(impaired).verdictReasons).toEqual([])
    // failTarget and probe-excluded targets are not expected to carry load.
    const failed = reportWith((r) => {
      collapsed(r)
      Object.assign(r.config, { checkDistribution: true, failTarget: 1 })
    })
    expect(verdict(failed).verdictReasons).toEqual([])
    // Heterogeneous probe RTTs: skew is expected (a collapse still is not).
    const steered = reportWith((r) => {
      r.config.checkDistribution = true
      r.targetStreams = { [TARGET_A]: 190, [TARGET_B]: 10 }
      r.targetProbes = [
        { target: TARGET_A, rttMs: 0.2, usable: true },
        { target: TARGET_B, rttMs: 20, usable: true },
      ]
    })
    expect(verdict(steered).verdictReasons).toEqual([])
  })

  test('rule names are unique and the list cannot be mutated', () => {
    const names = verdictRules.map((rule) => rule.name)
    expect(new Set(names).size).toBe(names.length)
    expect(Object.isFrozen(verdictRules)).toBe(true)
  })

  test('a custom rule list is applied in the given order', () => {
    const report = reportWith((r) => {
      r.failedStreams = 1
      r.channelLeaks = 1
    })
    const reversed = [...verdictRules].reverse()
    expect(verdict(report, reversed).verdictReasons).toEqual(['channel_leaks=1', 'failed_streams=1'])
  })
})

test('tiny and converted thresholds print with the digits they were given', () => {
  const tiny = reportWith((r) => {
    r.ackP95Ms = 1.025
    r.config.maxAckP95Ms = 0.0001
  })
  expect(verdict(tiny).verdictReasons).toEqual(['ack_p95_ms=1.025 > 0.0001'])
  const near = reportWith((r) => {
    r.ackP95Ms = 0.00012
    r.config.maxAckP95Ms = 0.0001
  })
  expect(verdict(near).verdictReasons).toEqual(['ack_p95_ms=0.00012 > 0.0001'])
  const slow = reportWith((r) => {
    r.throughputBps = 1_000_000
    r.config.minThroughputMbps = 1.1
  })
  expect(verdict(slow).verdictReasons).toContain('throughput_bps=1000000 < 1100000')
  expect(formatThreshold(1e-7)).toBe('0.0000001')
  expect(formatThreshold(0.2305)).toBe('0.2305')
  expect(formatThreshold(51_600_000)).toBe('51600000')
  expect(formatThreshold(Number.POSITIVE_INFINITY)).toBe('Infinity')
})

test('formatComparison adds decimals only when 3 would print both figures equal', () => {
  expect(formatComparison(0.612, 0.5)).toEqual(['0.612', '0.5'])
  expect(formatComparison(0.231, 0.2305)).toEqual(['0.231', '0.2305'])
  expect(formatComparison(1.0000004, 1)).toEqual(['1', '1'])
  expect(formatComparison(51_589_142, 51_600_000)).toEqual(['51589142', '51600000'])
})
