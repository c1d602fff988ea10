// Type-only: teaches Jest's `expect` (the standalone `expect` package and `@jest/globals`) and the
// global `jest.Matchers` about quicksand's matchers. Nothing here exists at runtime. The empty type
// import makes the module resolvable for the augmentation below.
import type {} from 'expect'
import type { QuicksandMatchers } from './types.js'

declare module 'expect' {
  // Type parameters must repeat the package's own declarations exactly for the interfaces to merge.
  interface Matchers<R extends void | Promise<void>, T = unknown> extends QuicksandMatchers<R> {}
  interface AsymmetricMatchers extends QuicksandMatchers<unknown> {}
}

declare global {
  namespace jest {
    interface Matchers<R, T = {}> extends QuicksandMatchers<R> {}
  }
}

// The empty import above is dropped from the emitted .d.ts; a type re-export from 'expect' keeps
// an import there, so the augmentation holds when this file is reached by itself.
/** expect's Matchers, with quicksand's matchers merged in. */
export type { Matchers as ExpectMatchers } from 'expect'
/** Re-exported so that importing this module keeps the augmentation in emitted declarations. */
export type { QuicksandMatchers }
