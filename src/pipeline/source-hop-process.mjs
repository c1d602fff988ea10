// Used only when quicksand runs from its TypeScript sources (its own test suite): registers tsx in
// this process so a namespaced hop runs the sources under test, not the last build.
import { register } from 'tsx/esm/api'

register()
await import('./hop-process.ts')
