/** Options both Vitest's and Jest's `matcherHint` accept. */
export interface MatcherHintOptions {
  isNot?: boolean
  promise?: string
  comment?: string
  secondArgument?: string
}

/**
 * The part of a matcher's `this` that quicksand uses. Vitest's and Jest's matcher states both
 * satisfy it structurally, so the matchers need neither framework at runtime.
 */
export interface MatcherContext {
  isNot?: boolean
  promise?: string
  utils: {
    matcherHint(
      matcherName: string,
      received?: string,
      expected?: string,
      options?: MatcherHintOptions,
    ): string
    printReceived(value: unknown): string
    printExpected(value: unknown): string
  }
}

/** What a matcher returns; `message` must read right for both `expect(x)` and `expect(x).not`. */
export interface MatcherResult {
  pass: boolean
  message: () => string
}
