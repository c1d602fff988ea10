import { describe, expect, test } from 'vitest'
import { parseHostPort } from '../../src/address.js'
import { parseArgs } from '../../src/cli/args.js'

describe('host:port addresses', () => {
  test('a port out of range is blamed, with its range, not the whole address', () => {
    expect(() => parseArgs(['proxy', '--api', '127.0.0.1:99999'])).toThrow(
      '--api port must be an integer from 0 to 65535, got 99999',
    )
    expect(() => parseHostPort('[::1]:70000', 'listen', { allowPortZero: true })).toThrow(
      'listen port must be an integer from 0 to 65535, got 70000',
    )
    expect(() => parseHostPort('127.0.0.1:0', 'target')).toThrow(
      'target port must be an integer from 1 to 65535, got 0',
    )
    expect(() => parseHostPort('127.0.0.1:', 'api', { allowPortZero: true })).toThrow(
      'api port must be an integer from 0 to 65535, got nothing',
    )
  })

  test('good addresses parse', () => {
    expect(parseArgs(['proxy', '--api', '127.0.0.1:8474'])).toEqual({
      command: 'api',
      api: { host: '127.0.0.1', port: 8474 },
    })
    expect(parseHostPort('[::1]:80', 'x')).toEqual({ host: '::1', port: 80 })
  })
})
