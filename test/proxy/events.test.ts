import { afterEach, describe, expect, test } from 'vitest'
import { createProxy, createProxyFixture, ImpairmentError } from '../../src/proxy/index.js'
import { EventBus } from '../../src/run/events.js'

const fixtures: { closeAll(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((fixture) => fixture.closeAll()))
})

describe('proxy events', () => {
  test('set, clear, a flap and the close arrive in order with their specs', async () => {
    const bus = new EventBus()
    const fixture = createProxyFixture(7, bus)
    fixtures.push(fixture)
    const proxy = await fixture.tcp({ target: '127.0.0.1:9' })
    proxy.set([
      { kind: 'latency', ms: '5ms' },
      { kind: 'predial', ms: 1 },
    ])
    proxy.update('latency_downstream', { ms: 6 })
    proxy.add({ kind: 'cutoff', afterBytes: 10, name: 'cut' })
    expect(proxy.remove('cut')).toBe(true)
    expect(proxy.remove('cut')).toBe(false)
    proxy.clear()
    await proxy.flap({ up: 5, down: 5, cycles: 2 }).done
    await proxy.timeline([{ at: 0, set: [{ kind: 'stall' }] }]).done
    await proxy.close()

    const events = bus.between()
    expect(events.map((e) => e.type)).toEqual([
      'impairment.set',
      'impairment.update',
      'impairment.add',
      'impairment.remove',
      'impairment.clear',
      'flap.down',
      'flap.up',
      'flap.down',
      'flap.up',
      'timeline.step',
      'proxy.close',
    ])
    expect(new Set(events.map((e) => e.source))).toEqual(new Set([`proxy ${proxy.url}`]))
    const [set, update, add, remove, clear, down] = events
    // Specs as normalized: durations in ms, defaults and names filled in.
    expect(set?.impairments).toEqual([
      {
        kind: 'latency',
        ms: 5,
        jitterMs: 0,
        distribution: 'uniform',
        direction: 'downstream',
        toxicity: 1,
        name: 'latency_downstream',
      },
      { kind: 'predial', ms: 1, toxicity: 1, name: 'predial' },
    ])
    expect(update?.impairment).toMatchObject({ kind: 'latency', ms: 6, name: 'latency_downstream' })
    expect(add?.impairment).toMatchObject({
      kind: 'cutoff',
      afterBytes: 10,
      direction: 'upstream',
      name: 'cut',
    })
    expect(remove?.impairment).toMatchObject({ kind: 'cutoff', name: 'cut' })
    expect(clear?.impairments).toMatchObject([{ kind: 'latency' }, { kind: 'predial' }])
    expect(down).toMatchObject({
      cycle: 1,
      cycles: 2,
      impairment: { kind: 'outage', mode: 'refuse', name: 'flap_1' },
    })
    expect(events[8]).toMatchObject({ type: 'flap.up', cycle: 2, name: 'flap_1' })
    expect(events[9]).toMatchObject({ step: 0, atMs: 0, impairments: [{ kind: 'stall', timeoutMs: 0 }] })
    // Stamped in order.
    const times = events.map((e) => e.at)
    expect(times).toEqual([...times].sort((a, b) => a - b))
  })

  test('impairments given at creation are published as a set', async () => {
    const bus = new EventBus()
    const fixture = createProxyFixture(7, bus)
    fixtures.push(fixture)
    const proxy = await fixture.udp({ target: '127.0.0.1:9', impairments: [{ kind: 'loss', rate: 0.5 }] })
    const events = bus.between()
    expect(events.map((e) => e.type)).toEqual(['impairment.set'])
    expect(events[0]).toMatchObject({
      source: `proxy ${proxy.url}`,
      impairments: [{ kind: 'loss', rate: 0.5, model: 'uniform', name: 'loss_downstream' }],
    })
  })

  test('a flap cancelled during its outage says the target is up again', async () => {
    const bus = new EventBus()
    const fixture = createProxyFixture(7, bus)
    fixtures.push(fixture)
    const proxy = await fixture.tcp({ target: '127.0.0.1:9' })
    // The outage starts at once and lasts far longer than the test: only clear() can lift it.
    const flap = proxy.flap({ up: '1m', down: '1m', cycles: 3 })
    proxy.clear()
    await flap.done
    expect(proxy.list()).toEqual([])
    expect(bus.between().map((e) => [e.type, e.cycle, e.cancelled])).toEqual([
      ['flap.down', 1, undefined],
      ['flap.up', 1, true],
      ['impairment.clear', undefined, undefined],
    ])
  })

  test('a bus that is not an EventBus is refused before anything listens', async () => {
    const error = await createProxy({
      protocol: 'tcp',
      target: '127.0.0.1:9',
      events: { publish() {} } as never,
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ImpairmentError)
    expect((error as Error).message).toBe('events must be an EventBus, got {}')
  })
})
