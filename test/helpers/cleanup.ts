import type net from 'node:net'

// One list per test file: Vitest gives each file its own module instance.
const steps: (() => Promise<unknown> | unknown)[] = []

/** Registers a teardown step for closeTracked() to run after the test. */
export function onTeardown(step: () => Promise<unknown> | unknown): void {
  steps.push(step)
}

/** Remembers something to close after the test; returns it. */
export function track<T extends { close(): Promise<unknown> | unknown }>(thing: T): T {
  steps.push(() => thing.close())
  return thing
}

/** Remembers a client socket to destroy after the test; returns it. */
export function trackSocket<T extends net.Socket>(socket: T): T {
  steps.push(() => void socket.destroy())
  return socket
}

/** Runs every registered teardown step once, newest first, so a proxy closes before its target (use as afterEach). */
export async function closeTracked(): Promise<void> {
  for (const step of steps.splice(0).reverse()) await step()
}
