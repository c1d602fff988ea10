import { crc32 } from 'node:zlib'
import { describe, expect, test } from 'vitest'
import { checksumMatches, packetTemplate, stampPacket, templateChecker } from '../../src/pipeline/packet.js'

describe('pipeline packet checksums', () => {
  const size = 1400
  const { packet: template, payloadCrc } = packetTemplate(size)
  const stamped = (seq: number) => {
    const packet = Buffer.from(template)
    stampPacket(packet, seq, payloadCrc)
    return packet
  }
  const fast = templateChecker(size)

  test('the template check and the full check agree on whole packets and on every kind of damage', () => {
    const cases: Array<[string, Buffer, boolean]> = [['whole', stamped(7), true]]
    const payload = stamped(8)
    payload[700]! ^= 0x10
    cases.push(['payload bit', payload, false])
    const seq = stamped(9)
    seq[5]! ^= 0x01
    cases.push(['sequence bit', seq, false])
    const sum = stamped(10)
    sum[11]! ^= 0x80
    cases.push(['checksum bit', sum, false])
    const last = stamped(11)
    last[size - 1]! ^= 0x01
    cases.push(['last payload byte', last, false])
    for (const [name, packet, whole] of cases) {
      expect([name, checksumMatches(packet)]).toEqual([name, whole])
      expect([name, fast(packet)]).toEqual([name, whole])
    }
  })

  test('a payload other than the template with its own valid checksum still passes (the full check decides)', () => {
    const packet = stamped(3)
    packet.fill(0x55, 12)
    packet.writeUInt32BE(crc32(packet.subarray(0, 8), crc32(packet.subarray(12))), 8)
    expect(checksumMatches(packet)).toBe(true)
    expect(fast(packet)).toBe(true)
  })
})
