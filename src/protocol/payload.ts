import { createCipheriv, createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'

// Payload bytes are an AES-128-CTR keystream keyed by the logical stream id, with the block
// counter taken from the byte offset: any peer can regenerate the bytes of (stream, offset)
// without state, and native AES keeps up with the wire where a JavaScript fill loop does not.

const ZEROS = Buffer.alloc(1024 * 1024 + 16)
const keys = new Map<number, Buffer>()

function streamKey(stream: number): Buffer {
  let key = keys.get(stream)
  if (!key) {
    key = createHash('sha256').update(`quicksand-fabric/1 stream ${stream}`).digest().subarray(0, 16)
    if (keys.size > 4096) keys.clear()
    keys.set(stream, key)
  }
  return key
}

/** The deterministic payload of `length` bytes at `offset` in logical stream `stream`. */
export function streamPayload(stream: number, offset: number, length: number): Buffer {
  if (length > ZEROS.length - 16)
    throw new RangeError(`payload length ${length} exceeds ${ZEROS.length - 16}`)
  const block = Math.floor(offset / 16)
  const skip = offset - block * 16
  const iv = Buffer.alloc(16)
  iv.writeUInt32BE(Math.floor(block / 0x100000000), 8)
  iv.writeUInt32BE(block >>> 0, 12)
  const cipher = createCipheriv('aes-128-ctr', streamKey(stream), iv)
  const out = cipher.update(ZEROS.subarray(0, length + skip))
  return skip === 0 ? out : out.subarray(skip)
}

/** CRC-32 of bytes, continuing from `previous` when given. */
export function checksum(bytes: Uint8Array, previous = 0): number {
  return crc32(bytes, previous)
}

const folded = Buffer.alloc(4)

/**
 * Fold one frame's checksum into a channel's running checksum: the CRC-32 of the frames'
 * checksums in order. It pins every payload byte and the frame order at 4 bytes of work per frame
 * instead of a second pass over the payload.
 */
export function foldChecksum(running: number, frameChecksum: number): number {
  folded.writeUInt32BE(frameChecksum >>> 0, 0)
  return crc32(folded, running)
}
