import net from 'node:net'
import { FrameDecoder } from '../../src/protocol/codec.js'
import { encodeFrame, type Frame } from '../../src/protocol/frames.js'

/** A bare TCP client speaking the fabric protocol frame by frame, for node tests. */
export class RawClient {
  readonly frames: Frame[] = []
  private readonly decoder = new FrameDecoder(1024 * 1024)
  private waiters: Array<() => void> = []
  closed = false

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.frames.push(...this.decoder.push(chunk))
      this.wake()
    })
    socket.on('error', () => undefined)
    socket.on('close', () => {
      this.closed = true
      this.wake()
    })
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host }, () => resolve(new RawClient(socket)))
      socket.once('error', reject)
    })
  }

  send(...frames: Frame[]): void {
    this.socket.write(Buffer.concat(frames.map(encodeFrame)))
  }

  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes)
  }

  /** Wait until `count` frames have arrived (or the socket closed), within 5 s. */
  async waitFrames(count: number): Promise<Frame[]> {
    const deadline = Date.now() + 5000
    while (this.frames.length < count && !this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    return this.frames
  }

  async waitClosed(): Promise<void> {
    await this.waitFrames(Number.POSITIVE_INFINITY)
  }

  close(): void {
    this.socket.destroy()
  }

  private wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }
}
