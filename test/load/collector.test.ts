import { describe, expect, test } from 'vitest'
import { Collector } from '../../src/load/collector.js'
import type { Recorder } from '../../src/run/recorder.js'

describe('Collector', () => {
  test('route pressure balances acquire and release, and the level is reported', () => {
    const levels: number[] = []
    const recorder: Recorder = { count() {}, gauge: (_n, v) => void levels.push(v), latency() {}, event() {} }
    const collector = new Collector(['tcp://a:1', 'tcp://b:2'], recorder)
    collector.acquire('tcp://a:1')
    collector.acquire('tcp://a:1')
    collector.acquire('tcp://b:2')
    collector.release('tcp://a:1')
    collector.release('tcp://b:2')
    collector.release('tcp://a:1')
    const partial = collector.toPartial(0)
    expect(partial.route).toMatchObject({ acquired: 3, released: 3, active: {}, maxActiveTotal: 3 })
    expect(partial.route.maxActive).toEqual({ 'tcp://a:1': 2, 'tcp://b:2': 1 })
    expect(levels).toEqual([1, 2, 3, 2, 1, 0])
  })

  test('ACKs add bytes per target and checksum failures; failures keep one message per kind', () => {
    const events: string[] = []
    const recorder: Recorder = {
      count() {},
      gauge() {},
      latency() {},
      event: (type) => void events.push(type),
    }
    const collector = new Collector(['tcp://a:1', 'tcp://b:2'], recorder)
    collector.ackReceived('tcp://a:1', true, 2, 100, true)
    collector.ackReceived('tcp://a:1', false, 3, 50, false)
    collector.attemptFailed('tcp://b:2', 'reset', 'first reset on b:2')
    collector.attemptFailed('tcp://b:2', 'reset', 'second reset')
    collector.failover(1, 'tcp://b:2', 'tcp://a:1', 'reset')
    const partial = collector.toPartial(0)
    expect(partial).toMatchObject({
      bytesSent: 150,
      acksReceived: 2,
      ackIntegrityErrors: 1,
      failoverEvents: 1,
    })
    expect(partial.targets['tcp://a:1']).toMatchObject({ bytes: 150, acks: 2 })
    expect(partial.targets['tcp://b:2']).toMatchObject({ errors: 2, failedStreams: 2 })
    expect(partial.errors).toEqual({ reset: 2 })
    expect(partial.errorMessages).toEqual({ reset: 'first reset on b:2' })
    expect(events).toEqual(['failover'])
  })
})
