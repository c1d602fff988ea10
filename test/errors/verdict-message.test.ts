import { describe, expect, test } from 'vitest'
import type { LoadReport } from '../../src/load/types.js'
import { verdict } from '../../src/load/verdict/index.js'
import { isLoadReport, loadReportProblem } from '../../src/matchers/report-guard.js'
import { toPassVerdict } from '../../src/matchers/to-pass-verdict.js'
import { golden } from '../helpers/golden-report.js'

const utils = {
  matcherHint: (name: string) => `expect(received).${name}()`,
  printExpected: (v: unknown) => JSON.stringify(v),
  printReceived: (v: unknown) => JSON.stringify(v),
}
const context = { isNot: false, promise: '', utils } as unknown as ThisParameterType<typeof toPassVerdict>

describe('toPassVerdict prints one sample message per error kind', () => {
  test('each kind with its count and message, most frequent first; long messages are cut', () => {
    const report: LoadReport = structuredClone(golden)
    report.failedStreams = 7
    report.successfulStreams = 193
    report.errors = { reset: 1, tls_fingerprint_mismatch: 4, ack_timeout: 2 }
    report.errorMessages = {
      tls_fingerprint_mismatch: `QUIC connect to 127.0.0.1:59544 refused: certificate fingerprint is ${'8b'.repeat(32)}, expected ${'94'.repeat(32)}`,
      ack_timeout: `no ACK from 127.0.0.1:4000 on channel 3 within 2000 ms ${'x'.repeat(400)}`,
    }
    const failing = { ...report, ...verdict(report) }
    const result = toPassVerdict.call(context, failing)
    expect(result.pass).toBe(false)
    const lines = result.message().split('\n')
    const errors = lines.slice(lines.indexOf('Errors:') + 1)
    expect(errors[0]).toBe(
      `  4 × tls_fingerprint_mismatch (QUIC connect to 127.0.0.1:59544 refused: certificate fingerprint is ${'8b'.repeat(32)}, expected ${'94'.repeat(32)})`,
    )
    expect(errors[1]).toMatch(
      /^ {2}2 × ack_timeout \(no ACK from 127\.0\.0\.1:4000 on channel 3 within 2000 ms x+…\)$/,
    )
    expect(errors[1]!.length).toBe('  2 × ack_timeout ('.length + 300 + 1)
    // A kind without a sample (a report from before samples were kept) still prints its count.
    expect(errors[2]).toBe('  1 × reset')
  })

  test('a report must carry errors and errorMessages as objects', () => {
    expect(isLoadReport(golden)).toBe(true)
    const { errorMessages: _m, ...without } = structuredClone(golden)
    expect(loadReportProblem(without)).toBe('field errorMessages must be an object, got undefined')
  })
})
