// A Vitest reporter for `npm run demo`: one block per scenario with its outcome and the
// headline figures of every load it ran (taken from the test's metadata).
import { formatSummary } from '../dist/index.js'

const mark = { passed: '✔', failed: '✘', skipped: '-', pending: '…' }

export default class DemoReporter {
  onTestRunEnd(testModules) {
    let passed = 0
    let failed = 0
    const lines = ['', 'quicksand scenarios', '===================']
    for (const mod of testModules) {
      lines.push('', mod.moduleId.replace(`${process.cwd()}/`, ''))
      for (const test of mod.children.allTests()) {
        const state = test.result().state
        if (state === 'passed') passed++
        if (state === 'failed') failed++
        const ms = Math.round(test.diagnostic()?.duration ?? 0)
        lines.push(`  ${mark[state] ?? state} ${test.name} (${ms} ms)`)
        for (const summary of test.meta().quicksand ?? []) lines.push(`      ${formatSummary(summary)}`)
        for (const error of test.result().errors ?? [])
          lines.push(`      ${String(error.message).split('\n')[0]}`)
      }
    }
    lines.push('', `${passed} passed, ${failed} failed`)
    console.log(lines.join('\n'))
  }
}
