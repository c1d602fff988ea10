// Setup file added by the quicksand plugin: the matchers on Vitest's global expect.
import { expect } from 'vitest'
import { matchers } from '../matchers/index.js'

expect.extend(matchers)
