// One walk over every public options object: a misspelt key is refused with the field named
// and the closest valid name suggested, and nothing is left started.
import { describe, expect, test } from 'vitest'
import { createFabricFixture } from '../../src/fabric/fixture.js'
import { startNode } from '../../src/fabric/node.js'
import { resolveConfig } from '../../src/load/config.js'
import { runLoad } from '../../src/load/run.js'
import { connectMultipath } from '../../src/multipath/index.js'
import { runPipeline } from '../../src/pipeline/index.js'
import { startLabControl } from '../../src/proxy/control/lab.js'
import { startControlServer } from '../../src/proxy/control/toxiproxy.js'
import { createProxyFixture } from '../../src/proxy/fixture.js'
import { IMPAIRMENT_MODULES } from '../../src/proxy/impairments/index.js'
import { createProxy } from '../../src/proxy/proxy.js'
import type { Impairment, ImpairmentProxy } from '../../src/proxy/types.js'
import { runRelayLab } from '../../src/relay/lab.js'
import { startPeer } from '../../src/relay/peer.js'
import { startRelay } from '../../src/relay/relay.js'
import { QuicksandReporter } from '../../src/reporter/index.js'
import { EventBus } from '../../src/run/events.js'
import { resolveTrafficConfig } from '../../src/traffic/config.js'
import { startEchoFront } from '../../src/traffic/echo-front.js'
import { type EchoServer, startEchoServer } from '../../src/traffic/echo-server.js'
import { runTraffic } from '../../src/traffic/run.js'
import quicksand from '../../src/vitest/plugin.js'

/** A typo of `name`: its second letter dropped ('rate' -> 'rte'). */
const typo = (name: string) => name[0] + name.slice(2)

/** The smallest valid value of each impairment's first field, so only the typo is wrong. */
const FIRST_VALUES: Record<string, unknown> = {
  bitsPerSecond: 1_000_000,
  rate: 0.1,
  afterBytes: 100,
  ms: 1,
  bytes: 100,
  mode: 'blackhole',
  timeoutMs: 10,
  delayMs: 10,
  averageSize: 100,
}

interface Case {
  what: string
  attempt: () => unknown
  message: string
}

const target = 'tcp://127.0.0.1:9'
const cases: Case[] = [
  {
    what: 'load config',
    attempt: () => resolveConfig({ targets: [target], concurency: 4 } as never),
    message: "unknown field 'concurency' in load config; did you mean 'concurrency'?",
  },
  {
    what: 'run options',
    attempt: () => runLoad({ targets: [target] }, { sampleInterval: 50 } as never),
    message: "unknown field 'sampleInterval' in run options; did you mean 'sampleIntervalMs'?",
  },
  {
    what: 'node options',
    attempt: () => startNode({ transprot: 'tcp' } as never),
    message: "unknown field 'transprot' in node options; did you mean 'transport'?",
  },
  {
    what: 'fabric fixture options',
    attempt: () => createFabricFixture({ onReprt: () => undefined } as never),
    message: "unknown field 'onReprt' in fabric fixture options; did you mean 'onReport'?",
  },
  {
    what: 'proxy options',
    attempt: () => createProxy({ protocol: 'tcp', target, lisen: '127.0.0.1:0' } as never),
    message: "unknown field 'lisen' in proxy options; did you mean 'listen'?",
  },
  {
    what: 'traffic config',
    attempt: () => resolveTrafficConfig({ target, psiz: 64 } as never),
    message: "unknown field 'psiz' in traffic config; did you mean 'psize'?",
  },
  {
    what: 'echo server options',
    attempt: () => startEchoServer({ transprot: 'udp' } as never),
    message: "unknown field 'transprot' in echo server options; did you mean 'transport'?",
  },
  {
    what: 'fabric.nodes options',
    attempt: () => createFabricFixture().nodes(2, { hots: '127.0.0.1' } as never),
    message: "unknown field 'hots' in node options; did you mean 'host'?",
  },
  {
    what: 'proxy fixture tcp() options',
    attempt: () => createProxyFixture(1, new EventBus()).tcp({ target, sed: 1 } as never),
    message: "unknown field 'sed' in proxy options; did you mean 'seed'?",
  },
  {
    what: 'proxy fixture udp() options',
    attempt: () =>
      createProxyFixture(1, new EventBus()).udp({ target: 'udp://127.0.0.1:9', idleTimout: 10 } as never),
    message: "unknown field 'idleTimout' in proxy options; did you mean 'idleTimeout'?",
  },
  {
    what: 'traffic run options',
    attempt: () => runTraffic({ target: 'tcp://127.0.0.1:9' }, { signl: undefined } as never),
    message: "unknown field 'signl' in run options; did you mean 'signal'?",
  },
  {
    what: 'echo front options',
    attempt: () => startEchoFront([{ transport: 'tcp' } as EchoServer], { prt: 0 } as never),
    message: "unknown field 'prt' in echo front options; did you mean 'port'?",
  },
  {
    what: 'control server options',
    attempt: () => startControlServer({ prot: 0 } as never),
    message: "unknown field 'prot' in control server options; did you mean 'port'?",
  },
  {
    what: 'lab control options',
    // The options are checked before the proxy is touched, so no proxy needs to run.
    attempt: () => startLabControl({} as ImpairmentProxy, { hst: '127.0.0.1' } as never),
    message: "unknown field 'hst' in lab control options; did you mean 'host'?",
  },
  {
    what: 'relay options',
    attempt: () => startRelay({ peer: 'tcp://127.0.0.1:9', atemptTimeout: 10 } as never),
    message: "unknown field 'atemptTimeout' in relay options; did you mean 'attemptTimeout'?",
  },
  {
    what: 'peer options',
    attempt: () => startPeer({ prot: 0 } as never),
    message: "unknown field 'prot' in peer options; did you mean 'port'?",
  },
  {
    what: 'relay lab options',
    attempt: () => runRelayLab({ evidenceDr: '/nonexistent' } as never),
    message: "unknown field 'evidenceDr' in relay lab options; did you mean 'evidenceDir'?",
  },
  {
    what: 'connectMultipath options',
    attempt: () => connectMultipath({ path: [] } as never),
    message: "unknown field 'path' in connectMultipath options; did you mean 'paths'?",
  },
  {
    what: 'fabric.multipath options',
    attempt: () => createFabricFixture().multipath({ path: [] } as never),
    message: "unknown field 'path' in fabric.multipath options; did you mean 'paths'?",
  },
  {
    what: 'pipeline config',
    attempt: () => runPipeline({ hop: 1 } as never),
    message: "unknown field 'hop' in pipeline config; did you mean 'hops'?",
  },
  {
    what: 'quicksand plugin options',
    attempt: () => quicksand({ transport: 'tcp' } as never),
    message: "unknown field 'transport' in quicksand plugin options; the plugin takes no options",
  },
  {
    what: 'quicksand reporter options',
    attempt: () => new QuicksandReporter({ outputdir: 'out' } as never),
    message: "unknown field 'outputdir' in quicksand reporter options; did you mean 'outputDir'?",
  },
  ...Object.values(IMPAIRMENT_MODULES).map((module) => {
    const field = Object.keys(module.fields)[0]!
    const spec = { kind: module.kind, [typo(field)]: FIRST_VALUES[field] } as unknown as Impairment
    return {
      what: `${module.kind} impairment`,
      attempt: () => {
        const protocol = module.protocols[0]!
        return createProxy({
          protocol,
          target: protocol === 'udp' ? 'udp://127.0.0.1:9' : target,
          impairments: [spec],
        })
      },
      message: `unknown field '${typo(field)}' in ${module.kind} impairment; did you mean '${field}'?`,
    }
  }),
]

describe('every options object refuses a misspelt key', () => {
  test.each(cases)('$what', async ({ attempt, message }) => {
    let error: unknown
    try {
      await attempt()
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toContain(message)
    // Nothing was left listening or ticking by the refused call.
    expect(process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap' || r === 'TCPServerWrap')).toEqual(
      [],
    )
  })

  test('an update patch, a flap and a timeline step refuse misspelt keys too', async () => {
    const proxy = await createProxy({ protocol: 'tcp', target })
    try {
      const handle = proxy.add({ kind: 'latency', ms: 5 })
      expect(() => proxy.update(handle, { jiter: 5 } as never)).toThrow(
        "unknown field 'jiter' in latency impairment 'latency_downstream'; did you mean 'jitterMs'?",
      )
      expect(() => proxy.flap({ up: 10, down: 10, cycle: 2 } as never)).toThrow("did you mean 'cycles'?")
      expect(() => proxy.timeline([{ at: 0, sett: [] }] as never)).toThrow("did you mean 'set'?")
      expect(proxy.list().map((i) => i.name)).toEqual(['latency_downstream'])
    } finally {
      await proxy.close()
    }
  })
})
