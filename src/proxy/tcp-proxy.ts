import net from 'node:net'
import { type Engine, type EngineContext, isToxic } from './engine.js'
import type { ActiveImpairment } from './impairment-set.js'
import { joinHostPort } from './target.js'
import { TcpConnection } from './tcp-connection.js'
import type { OutageImpairment, PredialImpairment } from './types.js'

/** Start a TCP proxy: accept, apply connection-level impairments, dial, and run each way through its stages. */
export async function startTcpEngine(context: EngineContext): Promise<Engine> {
  const connections = new Set<TcpConnection>()
  const shared = new Map<string, Map<string, unknown>>()
  const connectionContext = {
    ...context,
    impairments: context.impairments,
    shared(key: string) {
      let map = shared.get(key)
      if (!map) {
        map = new Map()
        shared.set(key, map)
      }
      return map
    },
    forget(connection: TcpConnection) {
      connections.delete(connection)
    },
  }

  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (client) => {
    const log = context.counters.opened(joinHostPort(client.remoteAddress ?? '?', client.remotePort ?? 0))
    const connection = new TcpConnection(client, log, connectionContext)
    connections.add(connection)
    let predialMs = 0
    for (const entry of context.impairments()) {
      if (!isToxic(context.seed, log.id, entry)) continue
      if (entry.params.kind === 'outage') {
        if ((entry.params as OutageImpairment).mode === 'refuse') {
          connection.terminate('refused', 'close')
          client.destroy()
          return
        }
        connection.blackhole()
        client.resume()
        return
      }
      if (entry.params.kind === 'predial') predialMs += (entry.params as PredialImpairment).ms as number
    }
    connection.dial(predialMs)
  })
  server.on('error', () => {})

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error)
    server.once('error', onError)
    server.listen({ host: context.listen.host, port: context.listen.port }, () => {
      server.off('error', onError)
      resolve()
    })
  })
  const address = server.address() as net.AddressInfo

  const cutExisting = (entry: ActiveImpairment): void => {
    const params = entry.params as OutageImpairment
    if (!params.cutExisting) return
    for (const connection of connections) {
      if (!isToxic(context.seed, connection.log.id, entry)) continue
      if (params.mode === 'refuse') connection.terminate('outage', 'close')
      else connection.swallowing = true
    }
  }

  return {
    host: address.address,
    port: address.port,
    added(entry) {
      if (entry.params.kind === 'outage') cutExisting(entry)
      for (const connection of connections) connection.addStages(entry)
    },
    removed(entry) {
      for (const connection of connections) connection.removeStages(entry)
      shared.delete(`${entry.handle.id}:upstream`)
      shared.delete(`${entry.handle.id}:downstream`)
    },
    replaced(previous, next) {
      for (const connection of connections) connection.replaceStages(previous, next)
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const connection of [...connections]) connection.shutdown()
      connections.clear()
      await closed
    },
  }
}
