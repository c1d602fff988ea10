// Shared by the multipath tests: an echo-less sink server that hashes what it receives, and a
// client that writes a seeded byte pattern, so every test can check every byte.
import { createHash } from 'node:crypto'
import type { MultipathConnection } from '../../src/multipath/connection.js'
import { listenMultipath, type MultipathListener } from '../../src/multipath/listener.js'
import { type MultipathTuning, resolveTuning } from '../../src/multipath/settings.js'
import { track } from '../helpers/cleanup.js'

/** Deterministic bytes: a seeded xorshift stream, so a lost or swapped chunk changes the hash. */
export function patternBytes(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length)
  let x = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** What a sink server saw of one connection. */
export interface Received {
  connection: MultipathConnection
  bytes: number
  hash: ReturnType<typeof createHash>
  chunks: Buffer[]
  ended: Promise<void>
  error: Error | undefined
}

/**
 * A multipath listener on loopback whose connections are read to the end and hashed: `paths` TCP
 * paths, or one path per entry on the transport it names.
 */
export async function startSink(
  paths: number | ReadonlyArray<'tcp' | 'quic'>,
  tuning: MultipathTuning = {},
): Promise<{ listener: MultipathListener; received: Received[] }> {
  const received: Received[] = []
  const transports = typeof paths === 'number' ? Array.from({ length: paths }, () => 'tcp' as const) : paths
  const listener = await listenMultipath(
    transports.map((transport) => ({ host: '127.0.0.1', port: 0, transport })),
    resolveTuning(tuning),
    (connection) => {
      const entry: Received = {
        connection,
        bytes: 0,
        hash: createHash('sha256'),
        chunks: [],
        error: undefined,
        ended: new Promise((resolve) => {
          connection.on('end', () => {
            connection.end()
            resolve()
          })
          connection.on('close', () => resolve())
        }),
      }
      connection.on('error', (error) => {
        entry.error = error
      })
      connection.on('data', (chunk: Buffer) => {
        entry.bytes += chunk.length
        entry.hash.update(chunk)
      })
      received.push(entry)
    },
  )
  track(listener)
  return { listener, received }
}

/** Write `data` in chunks of `chunk` bytes, honouring backpressure, then end. */
export async function writeAll(
  connection: MultipathConnection,
  data: Buffer,
  chunk = 32 * 1024,
): Promise<void> {
  for (let offset = 0; offset < data.length; offset += chunk) {
    if (!connection.write(data.subarray(offset, offset + chunk))) {
      // Each wait removes its listeners again, so a long write does not pile them up.
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          connection.off('error', onError)
          resolve()
        }
        const onError = (error: Error) => {
          connection.off('drain', onDrain)
          reject(error)
        }
        connection.once('drain', onDrain)
        connection.once('error', onError)
      })
    }
  }
  await new Promise<void>((resolve, reject) => {
    connection.once('error', reject)
    connection.end(resolve)
  })
}
