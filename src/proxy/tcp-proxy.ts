import net from 'node:net'
import { formatHostPort } from '../address.js'
import { admission, existingVerdict } from './admission.js'
import type { Engine, EngineContext } from './engine.js'
import type { ActiveImpairment } from './impairment-set.js'
import { SharedStageState } from './stages.js'
import { TcpConnection } from './tcp-connection.js'

/** Start a TCP proxy: accept, ask the connection-level impairments, dial, and run each way through its stages. */
export async function startTcpEngine(context: EngineContext): Promise<Engine> {
  const connections = new Set<TcpConnection>()
  const shared = new SharedStageState()
  const connectionContext = {
    ...context,
    shared,
    forget(connection: TcpConnection) {
      connections.delete(connection)
    },
  }

  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (client) => {
    const log = context.counters.opened(formatHostPort(client.remoteAddress ?? '?', client.remotePort ?? 0))
    const connection = new TcpConnection(client, log, connectionContext)
    connections.add(connection)
    const admitted = admission(context.seed, log.id, context.impairments())
    if (admitted.verdict === 'refuse') {
      connection.terminate('refused', 'close')
      client.destroy()
    } else if (admitted.verdict === 'blackhole') {
      connection.blackhole()
      client.resume()
    } else {
      connection.dial(admitted.delayMs)
    }
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

  /** A connection-level impairment that starts may cut connections already open. */
  const applyToExisting = (entry: ActiveImpairment): void => {
    for (const connection of connections) {
      const verdict = existingVerdict(context.seed, connection.log.id, entry)
      if (verdict === 'close') connection.terminate('outage', 'close')
      else if (verdict === 'blackhole') connection.swallowing = true
    }
  }

  return {
    host: address.address,
    port: address.port,
    added(entry) {
      applyToExisting(entry)
      for (const connection of connections) connection.addStages(entry)
    },
    removed(entry) {
      for (const connection of connections) connection.removeStages(entry)
      shared.forget(entry)
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
