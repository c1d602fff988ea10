#!/usr/bin/env node
// Runs one benchmark suite: `npm run bench -- <suite> [--json]`. Each suite is bench/<suite>.mjs
// exporting `run({ json })` that prints its figures and returns the summary object.
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const suites = readdirSync(here)
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs')
  .map((f) => f.slice(0, -4))
const args = process.argv.slice(2)
const json = args.includes('--json')
const suite = args.find((a) => !a.startsWith('--'))
if (!suite || !suites.includes(suite)) {
  console.error(`usage: npm run bench -- <suite> [--json]; suites: ${suites.join(', ')}`)
  process.exit(2)
}
const mod = await import(pathToFileURL(join(here, `${suite}.mjs`)).href)
const summary = await mod.run({ json })
if (json) console.log(JSON.stringify(summary))
