#!/usr/bin/env node
// Packs quicksand, installs the tarball into fresh temporary projects and runs a small Vitest
// suite and a small Jest suite there, exactly as a user would, once per supported pairing:
// Node 20 with Vitest 4 (this Node) and Node 22 with Vitest 5 (Node from the npm `node`
// package, so nothing is fetched from outside the registry). Jest 30 runs on both. The projects
// are removed afterwards.
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const ours = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const work = mkdtempSync(join(tmpdir(), 'quicksand-consumer-'))

// The pairings CI checks; package.json's peer ranges and engines name the same versions.
const legs = [
  { name: 'node 20 + vitest 4', deps: { vitest: ours.devDependencies.vitest, '@types/node': '^20.19.0' } },
  { name: 'node 22 + vitest 5', deps: { vitest: '^5.1.2', node: '^22.12.0', '@types/node': '^22.0.0' } },
]

// Each step is bounded, so a hung install or runner fails the check instead of stalling it.
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: 'inherit', timeout: 300_000, env: { ...process.env, CI: 'true' } })

function leg({ name, deps }, tarball) {
  const project = join(work, name.replace(/\W+/g, '-'))
  cpSync(join(root, 'test', 'consumer'), project, { recursive: true })
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify(
      {
        name: 'quicksand-consumer',
        private: true,
        type: 'module',
        devDependencies: {
          quicksand: `file:${tarball}`,
          jest: ours.devDependencies.jest,
          typescript: ours.devDependencies.typescript,
          ...deps,
        },
      },
      null,
      2,
    ),
  )
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], project)
  // The leg's own Node: the npm `node` package's binary when it brings one, else this one.
  const ownNode = join(project, 'node_modules', '.bin', 'node')
  const node = existsSync(ownNode) ? ownNode : process.execPath
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()
  const vitest = JSON.parse(readFileSync(join(project, 'node_modules/vitest/package.json'), 'utf8')).version
  console.log(`consumer project (${name}): node ${version}, vitest ${vitest}`)
  // The matchers' types must reach a user's tests through the package's own entry points.
  run(node, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'tsconfig.json'], project)
  // The tests alone, without vitest.config.ts in the program: the matcher types on Vitest's own
  // expect come from the quicksand/vitest-types reference in the test.
  run(node, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'tsconfig.tests.json'], project)
  run(node, ['node_modules/vitest/vitest.mjs', 'run'], project)
  const page = join(project, 'quicksand-report', 'index.html')
  if (!readFileSync(page, 'utf8').includes('id="quicksand-data"'))
    throw new Error(`${page} holds no report data`)
  run(node, ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js'], project)
  console.log(`consumer project (${name}): vitest, the reporter and jest passed against the packed package`)
}

try {
  const packed = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', work], {
    cwd: root,
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .pop()
  for (const one of legs) leg(one, join(work, packed))
} finally {
  rmSync(work, { recursive: true, force: true })
}
