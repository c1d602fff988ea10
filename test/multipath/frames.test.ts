import { describe, expect, it } from 'vitest'
import {
  CONTROL,
  encodeAck,
  encodeDataHeader,
  encodeFin,
  encodeLead,
  FrameReader,
  MAX_FRAME_PAYLOAD,
  MultipathProtocolError,
} from '../../src/multipath/frames.js'
import { writeVarint } from '../../src/protocol/varint.js'

describe('multipath frames', () => {
  it('encodes lead bytes as version 0 and the CID', () => {
    const cid = new Uint8Array(16).fill(7)
    const lead = encodeLead(cid)
    expect(lead.length).toBe(17)
    expect(lead[0]).toBe(0)
    expect([...lead.subarray(1)]).toEqual([...cid])
  })

  it('round-trips data, ack, ping, pong and fin frames split at every byte', () => {
    const payload = Buffer.from('hello multipath')
    const wire = Buffer.concat([
      encodeDataHeader(10, payload.length),
      payload,
      encodeAck(10),
      encodeAck(CONTROL.ping),
      encodeAck(CONTROL.pong),
      encodeDataHeader(70_000, 1),
      Buffer.from([0xab]),
      encodeFin(70_001),
    ])
    // The exact bytes of the reference for a ping and a pong.
    expect([...encodeAck(CONTROL.ping)]).toEqual([0, 0])
    expect([...encodeAck(CONTROL.pong)]).toEqual([0, 1])
    const reader = new FrameReader()
    const frames = [...wire].flatMap((byte) => reader.push(Buffer.from([byte])))
    expect(frames).toEqual([
      { type: 'data', fn: 10, payload },
      { type: 'ack', fn: 10 },
      { type: 'ping' },
      { type: 'pong' },
      { type: 'data', fn: 70_000, payload: Buffer.from([0xab]) },
      { type: 'fin', next: 70_001 },
    ])
  })

  it('refuses a frame over 1 MiB before reading its payload', () => {
    const header = Buffer.alloc(16)
    const end = writeVarint(header, writeVarint(header, 0, MAX_FRAME_PAYLOAD + 1), 10)
    expect(() => new FrameReader().push(header.subarray(0, end))).toThrow(MultipathProtocolError)
    expect(() => new FrameReader().push(header.subarray(0, end))).toThrow(
      /1048577 bytes is over the 1048576-byte limit/,
    )
    expect(() => encodeDataHeader(10, MAX_FRAME_PAYLOAD + 1)).toThrow(RangeError)
  })

  it('refuses data frame numbers below 10 and unknown control codes', () => {
    expect(() => new FrameReader().push(Buffer.from([1, 9, 0xff]))).toThrow(/number 9 is below 10/)
    expect(() => new FrameReader().push(Buffer.from([0, 5]))).toThrow(/unknown control code 5/)
  })
})
