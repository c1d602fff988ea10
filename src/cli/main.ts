#!/usr/bin/env node
// The `quicksand` command: one impairment proxy (optionally with the lab's control API), or a
// toxiproxy-compatible API server. Runs until SIGINT/SIGTERM, then closes everything it opened.
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { formatHostPort } from '../address.js'
import type { ControlServer } from '../proxy/control/http.js'
import { startLabControl } from '../proxy/control/lab.js'
import { CONTROL_VERSION, startControlServer } from '../proxy/control/toxiproxy.js'
import { createProxy } from '../proxy/index.js'
import type { ImpairmentProxy } from '../proxy/types.js'
import {
  type ApiCommand,
  type CliCommand,
  parseArgs,
  type SingleProxyCommand,
  USAGE,
  UsageError,
} from './args.js'
import { ctrafficMain } from './ctraffic.js'
import { loadtestMain } from './loadtest.js'

/** Something the CLI started and must close on the way out. */
interface Closable {
  close(): Promise<void>
}

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  out(line: string): void
  err(line: string): void
}

const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}

/** Starts what the command asks for; resolves with what to close, or undefined for help/version. */
export async function start(command: CliCommand, io: CliIo = processIo): Promise<Closable[] | undefined> {
  switch (command.command) {
    case 'help':
      io.out(USAGE.trimEnd())
      return undefined
    case 'version':
      io.out(CONTROL_VERSION)
      return undefined
    case 'api':
      return startApi(command, io)
    case 'proxy':
      return startSingle(command, io)
  }
}

async function startApi(command: ApiCommand, io: CliIo): Promise<Closable[]> {
  const server = await startControlServer({ host: command.api.host, port: command.api.port })
  io.out(`quicksand toxiproxy-compatible API on ${server.url}`)
  return [server]
}

async function startSingle(command: SingleProxyCommand, io: CliIo): Promise<Closable[]> {
  const proxy: ImpairmentProxy = await createProxy({
    protocol: command.protocol,
    target: formatHostPort(command.target.host, command.target.port),
    listen: formatHostPort(command.listen.host, command.listen.port),
    ...(command.seed === undefined ? {} : { seed: command.seed }),
    ...(command.busyPollUs === undefined ? {} : { busyPollUs: command.busyPollUs }),
  })
  io.out(
    `quicksand ${command.protocol} proxy on ${formatHostPort(proxy.host, proxy.port)} -> ${formatHostPort(proxy.target.host, proxy.target.port)}`,
  )
  if (!command.control) return [proxy]
  let control: ControlServer
  try {
    control = await startLabControl(proxy, { host: command.control.host, port: command.control.port })
  } catch (err) {
    await proxy.close()
    throw err
  }
  io.out(`quicksand lab control API on ${control.url} (PUT /mode, GET /stats, POST /reset)`)
  // The control server goes first so no mode change races the proxy's close.
  return [control, proxy]
}

/** Runs the CLI on argv; resolves with the exit code once everything started is closed again. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  if (argv[0] === 'loadtest') {
    return loadtestMain(argv.slice(1), { out: (text) => process.stdout.write(text), err: io.err })
  }
  if (argv[0] === 'traffic' || argv[0] === 'echo-server') return ctrafficMain(argv[0], argv.slice(1), io)
  let command: CliCommand
  try {
    command = parseArgs(argv)
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`quicksand: ${err.message}`)
      return 2
    }
    throw err
  }
  let opened: Closable[] | undefined
  try {
    opened = await start(command, io)
  } catch (err) {
    io.err(`quicksand: ${(err as Error).message}`)
    return 1
  }
  if (!opened) return 0
  const running = opened
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'))
    process.once('SIGTERM', () => resolve('SIGTERM'))
  })
  for (const item of running) await item.close()
  io.out(`quicksand: ${signal}, closed`)
  return 0
}

function isEntryPoint(): boolean {
  const script = process.argv[1]
  if (!script) return false
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (err: unknown) => {
      process.stderr.write(`quicksand: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
      process.exitCode = 1
    },
  )
}
