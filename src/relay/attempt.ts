// One delivery attempt: a fresh connection, the segment's frames, and the peer's CLOSE_ACK, all
// within one deadline. The connection is closed when the attempt ends, whatever the outcome, so a
// proxy in between sees one short session per attempt.
import { describeFailure } from '../errors/kinds.js'
import { FrameDecoder } from '../protocol/codec.js'
import { FrameType } from '../protocol/frames.js'
import type { TargetPath } from '../transport/target.js'
import type { Link, Transport } from '../transport/types.js'
import type { KillSwitch } from './kill-switch.js'
import { segmentChecksum, segmentFrames } from './wire.js'

/** Segments up to this size are sent as one write. */
const SINGLE_WRITE_BYTES = 16 * 1024

/** How an attempt ended. */
export interface AttemptOutcome {
  ok: boolean
  error?: string
  /** Payload bytes handed to the connection. */
  bytes: number
}

/** What an attempt needs to know about where it goes. */
export interface AttemptRoute {
  transport: Transport
  path: TargetPath
  timeoutMs: number
  /** The dial's own deadline within the attempt's (ms). */
  dialMs: number
  /** Fires when the relay is killed: the attempt's connection is cut at once, even mid-dial. */
  kill: KillSwitch
}

/** Delivers one segment over a fresh connection; never rejects (a failure is an outcome). */
export async function attemptDelivery(
  route: AttemptRoute,
  segment: { id: string; sha256: string; data: Buffer },
  links: Set<Link>,
): Promise<AttemptOutcome> {
  const { path, timeoutMs } = route
  const started = performance.now()
  let link: Link
  try {
    link = await route.transport.connect({
      host: path.host,
      port: path.port,
      timeoutMs: route.dialMs,
      ...(path.fingerprint !== undefined ? { fingerprint: path.fingerprint } : {}),
    })
  } catch (error) {
    return { ok: false, error: describeFailure(error, path.url), bytes: 0 }
  }
  // Killed while dialling: the connection that just came up is cut, as the crash would have.
  if (route.kill.killed) {
    link.destroy()
    return { ok: false, error: 'the relay was killed during the attempt', bytes: 0 }
  }
  links.add(link)
  const remainingMs = Math.max(1, timeoutMs - (performance.now() - started))
  const expected = segmentChecksum(segment.data)
  let sent = 0
  const outcome = await new Promise<AttemptOutcome>((resolve) => {
    let settled = false
    const finish = (result: AttemptOutcome) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      leave()
      resolve(result)
    }
    const leave = route.kill.join(() =>
      finish({ ok: false, error: 'the relay was killed during the attempt', bytes: sent }),
    )
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          error: `no acknowledgement from ${path.url} within ${timeoutMs} ms`,
          bytes: sent,
        }),
      remainingMs,
    )
    const decoder = new FrameDecoder()
    link.onData((chunk) => {
      let frames: ReturnType<FrameDecoder['push']>
      try {
        frames = decoder.push(chunk)
      } catch (error) {
        return finish({
          ok: false,
          error: `protocol error from ${path.url}: ${(error as Error).message}`,
          bytes: sent,
        })
      }
      for (const frame of frames) {
        if (frame.type === FrameType.CLOSE_ACK) {
          // The peer recorded exactly these bytes only when count and checksum agree.
          if (frame.totalBytes === segment.data.length && frame.checksum === expected) {
            return finish({ ok: true, bytes: sent })
          }
          return finish({
            ok: false,
            error: `${path.url} acknowledged ${frame.totalBytes} bytes with a different checksum`,
            bytes: sent,
          })
        }
        if (frame.type === FrameType.ERROR) {
          return finish({ ok: false, error: `${path.url} refused the segment: ${frame.reason}`, bytes: sent })
        }
      }
    })
    link.onDrain(() => undefined)
    link.onClose((error) => {
      const why = error ? describeFailure(error, path.url) : `${path.url} closed the connection`
      finish({ ok: false, error: `connection ended before the acknowledgement: ${why}`, bytes: sent })
    })
    const frames = segmentFrames(
      { id: segment.id, size: segment.data.length, sha256: segment.sha256 },
      segment.data,
    )
    // A small segment goes out in one write: one syscall and one packet instead of four.
    if (segment.data.length <= SINGLE_WRITE_BYTES) link.send(Buffer.concat(frames))
    else for (const frame of frames) link.send(frame)
    sent = segment.data.length
  })
  links.delete(link)
  if (outcome.ok) link.end()
  else link.destroy()
  return outcome
}
