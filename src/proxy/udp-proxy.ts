import dgram from 'node:dgram'
import net from 'node:net'
import { formatHostPort } from '../address.js'
import { admission } from './admission.js'
import type { Conversation } from './busy-poll.js'
import { Chain } from './chain.js'
import type { Engine, EngineContext } from './engine.js'
import { addStages, removeStages, replaceStages, SharedStageState, type StageHost } from './stages.js'
import type { ConnectionLog } from './stats.js'

/**
 * Kernel buffers of each proxy socket. The default (~200 KiB) holds only about ten 20 KiB QUIC
 * datagrams, so a burst of one congestion window overflowed it and the proxy dropped packets
 * nobody asked it to drop; 4 MiB matches the QUIC endpoints' own sockets.
 */
const SOCKET_BUFFER = 4 * 1024 * 1024

/** One client address and its own upstream socket, so the target sees one peer per client (QUIC needs this). */
interface Flow extends Conversation, StageHost {
  readonly log: ConnectionLog
  readonly socket: dgram.Socket
  readonly address: string
  readonly port: number
  readonly upstream: Chain
  readonly downstream: Chain
  connected: boolean
  /** Datagrams waiting for the upstream socket to connect. */
  waiting: Buffer[]
  lastSeen: number
  closed: boolean
  /**
   * Set while a connection-level impairment blackholes the flow. A datagram can only vanish, so a
   * refusal counts as a blackhole too; the verdict is taken again whenever the impairments change,
   * since a flow has no connection that could outlive an outage.
   */
  blackholed: boolean
}

/** Start a UDP proxy: datagrams of each client flow run through the stages of their way. */
export async function startUdpEngine(context: EngineContext, idleTimeoutMs: number): Promise<Engine> {
  const { counters, seed, target } = context
  const family = net.isIPv6(context.listen.host) ? 'udp6' : 'udp4'
  const targetFamily = net.isIPv6(target.host) ? 'udp6' : 'udp4'
  const socket = dgram.createSocket({
    type: family,
    recvBufferSize: SOCKET_BUFFER,
    sendBufferSize: SOCKET_BUFFER,
  })
  const flows = new Map<string, Flow>()

  const shared = new SharedStageState()

  /** Ask the connection-level impairments about a flow (again). */
  const admit = (flow: Flow): void => {
    flow.blackholed = admission(seed, flow.log.id, context.impairments()).verdict !== 'admit'
  }

  const closeFlow = (flow: Flow, end: 'idle' | 'proxy-closed' | string): Promise<void> => {
    if (flow.closed) return Promise.resolve()
    flow.closed = true
    flows.delete(`${flow.address}|${flow.port}`)
    flow.upstream.drop()
    flow.downstream.drop()
    counters.finish(flow.log, end === 'idle' ? 'idle' : 'proxy-closed')
    return new Promise((resolve) => flow.socket.close(() => resolve()))
  }

  const openFlow = (address: string, port: number): Flow => {
    const upstreamSocket = dgram.createSocket({
      type: targetFamily,
      recvBufferSize: SOCKET_BUFFER,
      sendBufferSize: SOCKET_BUFFER,
    })
    const log = counters.opened(formatHostPort(address, port))
    const flow: Flow = {
      protocol: 'udp',
      seed,
      conversation: log.id,
      shared,
      chain: (way) => (way === 'upstream' ? flow.upstream : flow.downstream),
      discard: () => {},
      terminate: (end) => void closeFlow(flow, end),
      count: (counter) => counters.packet(counter),
      blackholed: false,
      log,
      socket: upstreamSocket,
      address,
      port,
      connected: false,
      waiting: [],
      lastSeen: performance.now(),
      closed: false,
      lastWay: undefined,
      upstream: new Chain((item) => {
        if (!Buffer.isBuffer(item) || flow.closed) return
        if (!flow.connected) {
          flow.waiting.push(item)
          return
        }
        counters.packet('packetsOut')
        counters.delivered(flow.log, true, item.length)
        upstreamSocket.send(item)
      }),
      downstream: new Chain((item) => {
        if (!Buffer.isBuffer(item) || flow.closed) return
        counters.packet('packetsOut')
        counters.delivered(flow.log, false, item.length)
        socket.send(item, port, address)
      }),
    }
    upstreamSocket.on('error', () => {})
    upstreamSocket.on('message', (message) => {
      context.busyPoll.arrived(flow, 'downstream')
      counters.packet('packetsIn')
      flow.lastSeen = performance.now()
      if (flow.blackholed) {
        counters.packet('packetsDropped')
        return
      }
      flow.downstream.write(message)
    })
    upstreamSocket.connect(target.port, target.host, () => {
      if (flow.closed) return
      flow.connected = true
      for (const datagram of flow.waiting.splice(0)) {
        counters.packet('packetsOut')
        counters.delivered(flow.log, true, datagram.length)
        upstreamSocket.send(datagram)
      }
    })
    admit(flow)
    for (const entry of context.impairments()) addStages(flow, entry)
    flows.set(`${address}|${port}`, flow)
    return flow
  }

  socket.on('error', () => {})
  socket.on('message', (message, remote) => {
    counters.packet('packetsIn')
    const flow = flows.get(`${remote.address}|${remote.port}`) ?? openFlow(remote.address, remote.port)
    context.busyPoll.arrived(flow, 'upstream')
    flow.lastSeen = performance.now()
    if (flow.blackholed) {
      counters.packet('packetsDropped')
      return
    }
    flow.upstream.write(message)
  })

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(context.listen.port, context.listen.host, () => {
      socket.off('error', reject)
      resolve()
    })
  })
  const address = socket.address()

  // One sweep for all flows; cheaper than a timer per flow.
  const sweep = setInterval(
    () => {
      const now = performance.now()
      for (const flow of [...flows.values()])
        if (now - flow.lastSeen > idleTimeoutMs) void closeFlow(flow, 'idle')
    },
    Math.max(10, Math.min(idleTimeoutMs / 2, 5000)),
  )
  sweep.unref()

  return {
    host: address.address,
    port: address.port,
    added(entry) {
      for (const flow of flows.values()) {
        admit(flow)
        addStages(flow, entry)
      }
    },
    removed(entry) {
      for (const flow of flows.values()) {
        admit(flow)
        removeStages(flow, entry)
      }
      shared.forget(entry)
    },
    replaced(previous, next) {
      for (const flow of flows.values()) {
        admit(flow)
        replaceStages(flow, previous, next)
      }
    },
    async close() {
      clearInterval(sweep)
      const flowsClosed = [...flows.values()].map((flow) => closeFlow(flow, 'proxy-closed'))
      await Promise.all([...flowsClosed, new Promise<void>((resolve) => socket.close(() => resolve()))])
    },
  }
}
