import { afterEach, describe, expect, test } from 'vitest'
import {
  echoServerCommand,
  parseGoDuration,
  parseTrafficFlags,
  trafficCommand,
} from '../../src/cli/ctraffic.js'
import { main } from '../../src/cli/main.js'
import { goString, goTime } from '../../src/traffic/format.js'
import { closeTracked, track } from '../helpers/cleanup.js'
import { roundTrip } from '../helpers/tcp.js'
import { udpClient } from '../helpers/udp.js'

afterEach(closeTracked)

function captured() {
  const out: string[] = []
  const err: string[] = []
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } }
}

describe('quicksand traffic flags', () => {
  test("ctraffic's defaults", () => {
    expect(parseTrafficFlags([])).toEqual({
      address: '127.0.0.1:5003',
      nconn: 1,
      rate: 10,
      psize: 1024,
      timeoutMs: 10_000,
      monitor: false,
      udp: false,
      reconnect: true,
      stats: 'summary',
      retries: 10,
    })
  })

  test("Go's flag syntax: -name value, --name=value, bare booleans, -bool=false", () => {
    expect(
      parseTrafficFlags([
        '-nconn',
        '5',
        '--rate=2.5',
        '-timeout',
        '1m30s',
        '-monitor',
        '--reconnect=false',
        '-stats',
        'all',
        '-psize',
        '10',
      ]),
    ).toMatchObject({
      nconn: 5,
      rate: 2.5,
      timeoutMs: 90_000,
      monitor: true,
      reconnect: false,
      stats: 'all',
      psize: 64,
    })
    expect(parseGoDuration('250ms')).toBe(250)
    expect(parseGoDuration('1h2m3s')).toBe(3_723_000)
    expect(parseGoDuration('10')).toBeUndefined()
  })

  test('bad flags are refused as Go refuses them, with exit code 2', async () => {
    expect(() => parseTrafficFlags(['-ncon', '3'])).toThrow('flag provided but not defined: -ncon')
    expect(() => parseTrafficFlags(['-nconn'])).toThrow('flag needs an argument: -nconn')
    expect(() => parseTrafficFlags(['-stats', 'some'])).toThrow(
      '-stats must be none, summary or all, got "some"',
    )
    expect(() => parseTrafficFlags(['-udp=maybe'])).toThrow('invalid boolean value "maybe" for -udp')
    const { io, err } = captured()
    expect(await main(['traffic', '-timeout', 'soon'], io)).toBe(2)
    expect(err).toEqual([
      'quicksand traffic: invalid value "soon" for flag -timeout: a duration such as 10s or 1m30s',
    ])
  })
})

describe('quicksand traffic output', () => {
  test('monitor lines on stderr and the JSON statistics on stdout, in ctraffic field order', async () => {
    const { io: serverIo } = captured()
    const [server] = await echoServerCommand(['-address', '127.0.0.1:0', '-name', 'cli-pod'], serverIo)
    track(server!)
    const { io, out, err } = captured()
    const args = [
      '-address',
      `127.0.0.1:${server!.port}`,
      '-nconn',
      '2',
      '-rate',
      '20',
      '-timeout',
      '3s',
      '-monitor',
      '-stats',
      'all',
    ]
    expect(await trafficCommand(args, io)).toBe(0)
    expect(err.length).toBeGreaterThanOrEqual(1)
    for (const line of err) {
      expect(line).toMatch(
        /^Conn act\/fail\/connecting: \d+\/\d+\/\d+, Packets send\/rec\/dropped: \d+\/\d+\/\d+$/,
      )
    }
    expect(out).toHaveLength(1)
    const json = JSON.parse(out[0]!)
    expect(Object.keys(json)).toEqual([
      'Started',
      'Duration',
      'Rate',
      'Connections',
      'PacketSize',
      'FailedConnections',
      'Sent',
      'Received',
      'Dropped',
      'Retransmits',
      'FailedConnects',
      'ConnStats',
      'Samples',
    ])
    expect(json).toMatchObject({
      Rate: 20,
      Connections: 2,
      PacketSize: 1024,
      FailedConnections: 0,
      Dropped: 0,
    })
    expect(json.Received).toBe(json.Sent)
    expect(json.Started).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z$/)
    expect(json.ConnStats).toHaveLength(2)
    expect(Object.keys(json.ConnStats[0])).toEqual([
      'Started',
      'Connect',
      'Ended',
      'Err',
      'Sent',
      'Received',
      'Dropped',
      'Retransmits',
      'Local',
      'Remote',
      'Host',
    ])
    expect(json.ConnStats[0].Host).toBe('cli-pod')
    expect(json.ConnStats.reduce((n: number, c: { Sent: number }) => n + c.Sent, 0)).toBe(json.Sent)
    expect(Object.keys(json.Samples[0])).toEqual(['Time', 'Sent', 'Received', 'Dropped'])
  })

  test("strings and times are written as Go's encoding/json writes them", () => {
    expect(goString('read tcp 127.0.0.1:1->127.0.0.1:2: i/o timeout')).toBe(
      '"read tcp 127.0.0.1:1-\\u003e127.0.0.1:2: i/o timeout"',
    )
    expect(goString('<&>')).toBe('"\\u003c\\u0026\\u003e"')
    expect(goTime('2026-12-01T01:02:03.120Z')).toBe('2026-12-01T01:02:03.12Z')
    expect(goTime('2026-12-01T01:02:03.000Z')).toBe('2026-12-01T01:02:03Z')
  })
})

describe('quicksand echo-server', () => {
  test('says where it listens on stderr and echoes with its name stamped, over TCP and UDP', async () => {
    const { io, err } = captured()
    const servers = await echoServerCommand(['--address=127.0.0.1:0', '-udp', '-name', 'cli'], io)
    for (const server of servers) track(server)
    const port = servers[0]!.port
    expect(err).toEqual([
      `echo-server listening on 127.0.0.1:${port}`,
      `echo-server listening on udp 127.0.0.1:${port}`,
    ])
    const { data } = await roundTrip(port, Buffer.alloc(100))
    expect(data.subarray(0, 4).toString()).toBe('cli\0')
    expect(data.length).toBe(100)
    const client = track(await udpClient())
    await client.send(Buffer.alloc(70), port)
    const [reply] = await client.waitFor(1, 5000)
    expect(reply?.subarray(0, 4).toString()).toBe('cli\0')
  })
})
