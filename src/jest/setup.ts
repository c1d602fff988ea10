// A setupFilesAfterEnv entry that only registers the matchers.
import { registerMatchers } from './index.js'

registerMatchers()
