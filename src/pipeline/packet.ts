import { crc32 } from 'node:zlib'

// A pipeline packet: 'QSPL' | sequence number (u32 BE) | checksum (u32 BE) | payload. The checksum
// is CRC-32 over the payload, continued over magic and sequence number, so the sender computes the
// payload's part once and each packet costs 8 bytes of CRC; the sink checks every byte.

/** Bytes before the payload. */
export const HEADER_BYTES = 12
/** The first four bytes of every pipeline packet: anything else is foreign traffic. */
export const MAGIC = 0x5153504c // 'QSPL'

/** Bytes of IPv4 + UDP headers around a datagram on the wire. */
export const IP_UDP_OVERHEAD = 28

/** The payload every packet of a run carries (a fixed pattern) and its CRC-32. */
export function packetTemplate(packetSize: number): { packet: Buffer; payloadCrc: number } {
  const packet = Buffer.alloc(packetSize)
  packet.writeUInt32BE(MAGIC, 0)
  for (let i = HEADER_BYTES; i < packetSize; i++) packet[i] = (i * 31 + 7) & 0xff
  return { packet, payloadCrc: crc32(packet.subarray(HEADER_BYTES)) }
}

/** Stamp sequence number `seq` and its checksum into a copy of the template. */
export function stampPacket(packet: Buffer, seq: number, payloadCrc: number): void {
  packet.writeUInt32BE(seq >>> 0, 4)
  packet.writeUInt32BE(crc32(packet.subarray(0, 8), payloadCrc), 8)
}

/** Whether a datagram carries the pipeline's header (long enough, right magic). */
export function isPipelinePacket(datagram: Buffer): boolean {
  return datagram.length >= HEADER_BYTES && datagram.readUInt32BE(0) === MAGIC
}

/** Whether a pipeline packet's checksum matches its bytes. */
export function checksumMatches(datagram: Buffer): boolean {
  const expected = crc32(datagram.subarray(0, 8), crc32(datagram.subarray(HEADER_BYTES)))
  return datagram.readUInt32BE(8) === expected
}

/**
 * checksumMatches for packets of one run, cheaper: a payload equal to the template's (one memcmp)
 * has the template's CRC, so only the 8 header bytes are run through CRC-32; any other payload
 * gets the full check.
 */
export function templateChecker(packetSize: number): (datagram: Buffer) => boolean {
  const { packet, payloadCrc } = packetTemplate(packetSize)
  return (datagram) => {
    if (datagram.compare(packet, HEADER_BYTES, packetSize, HEADER_BYTES, packetSize) !== 0) {
      return checksumMatches(datagram)
    }
    return datagram.readUInt32BE(8) === crc32(datagram.subarray(0, 8), payloadCrc)
  }
}

// Payload bytes compared to tell a damaged pipeline packet from foreign traffic of the same size.
const TAIL_BYTES = 8

/**
 * Whether a datagram that failed to parse is a pipeline packet damaged on the way (the run's size
 * and the template's payload bytes at its end) rather than foreign traffic that happens to be as long.
 */
export function isDamagedPipelinePacket(datagram: Buffer, packetSize: number): boolean {
  if (datagram.length !== packetSize || packetSize <= HEADER_BYTES) return false
  for (let i = Math.max(HEADER_BYTES, packetSize - TAIL_BYTES); i < packetSize; i++) {
    if (datagram[i] !== ((i * 31 + 7) & 0xff)) return false
  }
  return true
}
