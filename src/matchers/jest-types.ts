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

/** Re-exported so that importing this module keeps the augmentation in emitted declarations. */
export type { QuicksandMatchers }
