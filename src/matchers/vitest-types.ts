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

/** Re-exported so that importing this module keeps the augmentation in emitted declarations. */
export type { QuicksandMatchers }
