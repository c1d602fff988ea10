// Type-only: teaches Vitest's `expect` about quicksand's matchers. Nothing here exists at runtime,
// so importing this file never loads vitest. The empty type import makes the module resolvable
// for the augmentation below.
import type {} from 'vitest'
import type { QuicksandMatchers } from './types.js'

declare module 'vitest' {
  // Type parameters must repeat Vitest's own declaration exactly for the interfaces to merge.
  // biome-ignore lint/suspicious/noExplicitAny: mirrors Vitest's `Assertion<T = any>`
  interface Assertion<T = any> extends QuicksandMatchers<void> {}
  interface AsymmetricMatchersContaining extends QuicksandMatchers<unknown> {}
}

// The empty import above is dropped from the emitted .d.ts, and without an import of vitest
// there the augmentation is lost when this file is reached by itself (a `/// <reference types=
// "quicksand/vitest-types" />` in a test). A type re-export keeps the import.
/** Vitest's Assertion, with quicksand's matchers merged in. */
export type { Assertion as VitestAssertion } from 'vitest'
/** Re-exported so that importing this module keeps the augmentation in emitted declarations. */
export type { QuicksandMatchers }
