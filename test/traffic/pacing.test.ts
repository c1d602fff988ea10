import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { expect, test } from 'vitest'
import { hostStamp } from '../../src/traffic/conn-stats.js'
import { checkFdLimit, fileDescriptors } from '../../src/traffic/fd-limit.js'
import { TokenBucket } from '../../src/traffic/limiter.js'
import { parseSs } from '../../src/traffic/retransmits.js'

test('the token bucket paces at its rate and holds at most its burst (a fake clock)', () => {
  // 1024 B/s with a burst of 10 packets of 100 B: full at the start, as Go's limiter.
  const bucket = new TokenBucket(1024, 1000, 0)
  expect(bucket.reserve(50, 0)).toBe(0)
  bucket.drain(100, 0)
  // 950 B were left: nine packets taken, 50 B remain; the next 100 B are due in 50/1024 s.
  expect(bucket.reserve(100, 0)).toBeCloseTo((50 / 1024) * 1000, 6)
  // Two seconds later the bucket holds 2048 - 50 B but is capped at its burst of 1000.
  let slots = 0
  while (bucket.allow(100, 2000)) slots++
  expect(slots).toBe(10)
  expect(bucket.allow(100, 2000)).toBe(false)
})

test('a late reply leaves the slots it missed in the bucket, counted as dropped', () => {
  const bucket = new TokenBucket(10_240, 10_240, 0) // 10 packets/s of 1024 B
  bucket.drain(1024, 0)
  expect(bucket.reserve(1024, 0)).toBeCloseTo(100, 6)
  // The echo came back 450 ms after the send at 100 ms: four more slots went by.
  expect(bucket.reserve(1024, 550)).toBe(0)
  let dropped = 0
  while (bucket.allow(1024, 550)) dropped++
  expect(dropped).toBe(3)
})

test("ss -ti output gives each connection's total retransmits; none listed means 0", () => {
  const output = [
    '0      0      127.0.0.1:41000 127.0.0.1:5003',
    '\t cubic wscale:7,7 rto:204 rtt:0.04/0.02 mss:32768 retrans:0/7 bytes_sent:1024',
    '0      0      [::1]:41002 [::1]:5003',
    '\t bbr wscale:10,10 rto:204 rtt:0.038/0.02 bytes_sent:1',
    '',
  ].join('\n')
  expect(parseSs(output)).toEqual(
    new Map([
      ['127.0.0.1:41000', 7],
      ['[::1]:41002', 0],
    ]),
  )
})

test('the host stamp is the first reply up to its first NUL', () => {
  expect(hostStamp(Buffer.from('node-1\0\0\0'))).toBe('node-1')
  expect(hostStamp(Buffer.alloc(64))).toBeUndefined()
  expect(hostStamp(Buffer.from('abc'))).toBe('abc')
})

test('a run that cannot fit under the open-file limit is refused before anything starts, naming the limit', () => {
  const fds = fileDescriptors()
  expect(fds).toBeDefined()
  const { limit } = fds!
  expect(() => checkFdLimit(1)).not.toThrow()
  expect(() => checkFdLimit(limit)).toThrow(
    new RegExp(
      `^nconn ${limit} does not fit under this process's open-file limit: ulimit -n is ${limit}, \\d+ are open`,
    ),
  )
  // runTraffic checks it before starting a worker: under `ulimit -n 200` a run of 500 is refused at once.
  const script = [
    "import { runTraffic } from './src/traffic/run.ts'",
    "runTraffic({ address: '127.0.0.1:9', nconn: 500, duration: '3s' })",
    '  .then(() => console.log("started"), (e) => console.log(e.message))',
  ].join('\n')
  const child = spawnSync(
    'sh',
    ['-c', `ulimit -n 200 && exec "${process.execPath}" --import tsx --input-type=module -e "$0"`, script],
    {
      cwd: join(import.meta.dirname, '../..'),
      encoding: 'utf8',
      timeout: 30_000,
    },
  )
  expect(child.stdout).toMatch(
    /^nconn 500 does not fit under this process's open-file limit: ulimit -n is 200, \d+ are open/,
  )
})
