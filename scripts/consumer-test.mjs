#!/usr/bin/env node
// Packs quicksand, installs the tarball into a fresh temporary project and runs a small Vitest
// suite and a small Jest suite there, exactly as a user would. The project is removed afterwards.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const ours = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const work = mkdtempSync(join(tmpdir(), 'quicksand-consumer-'))
// Each step is bounded, so a hung install or runner fails the check instead of stalling it.
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: 'inherit', timeout: 300_000, env: { ...process.env, CI: 'true' } })

try {
  const packed = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', work], {
    cwd: root,
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .pop()
  const project = join(work, 'app')
  cpSync(join(root, 'test', 'consumer'), project, { recursive: true })
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify(
      {
        name: 'quicksand-consumer',
        private: true,
        type: 'module',
        devDependencies: {
          quicksand: `file:${join(work, packed)}`,
          vitest: ours.devDependencies.vitest,
          jest: ours.devDependencies.jest,
          typescript: ours.devDependencies.typescript,
          '@types/node': ours.devDependencies['@types/node'],
        },
      },
      null,
      2,
    ),
  )
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], project)
  // The matchers' types must reach a user's tests through the package's own entry points.
  run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json'], project)
  // The tests alone, without vitest.config.ts in the program: the matcher types on Vitest's own
  // expect come from the quicksand/vitest-types reference in the test.
  run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.tests.json'], project)
  run('npx', ['vitest', 'run'], project)
  run('node', ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js'], project)
  console.log('consumer project: vitest and jest suites passed against the packed package')
} finally {
  rmSync(work, { recursive: true, force: true })
}
