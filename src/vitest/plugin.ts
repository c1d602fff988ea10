// The config-side entry: no import of vitest here, since Vitest refuses a config file that loads
// its test API. The plugin only adds a setup file, and that file registers the matchers.
import { fileURLToPath } from 'node:url'
import { FieldError } from '../errors/field-error.js'

// Type-only: a config that loads the plugin also teaches Vitest's expect the matchers' types.
export type { QuicksandMatchers } from '../matchers/vitest-types.js'

/** Options of the quicksand Vitest plugin (none yet; reserved for defaults such as transport). */
export type QuicksandPluginOptions = Record<string, never>

/** A Vite/Vitest plugin object: the shape Vitest's `plugins` array takes. */
export interface QuicksandPlugin {
  name: string
  config(): { test: { setupFiles: string[] } }
}

/** The quicksand plugin for vitest.config.ts: registers quicksand's matchers on the global expect. */
export default function quicksand(options: QuicksandPluginOptions = {}): QuicksandPlugin {
  // No option exists yet, so any key is a mistake (or meant for a later version): say so.
  const [key] = Object.keys(options ?? {})
  if (key !== undefined) {
    throw new FieldError(
      key,
      (options as Record<string, unknown>)[key],
      'a known field',
      `unknown field '${key}' in quicksand plugin options; the plugin takes no options`,
    )
  }
  const setup = fileURLToPath(
    new URL(import.meta.url.endsWith('.ts') ? './setup.ts' : './setup.js', import.meta.url),
  )
  return {
    name: 'quicksand',
    config: () => ({ test: { setupFiles: [setup] } }),
  }
}
