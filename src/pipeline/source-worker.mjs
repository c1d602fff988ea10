// Used only when quicksand runs from its TypeScript sources (its own test suite): registers tsx in
// this worker thread so the pipeline's threads run the sources under test, not the last build.
import { register } from 'tsx/esm/api'

register()
await import('./worker.ts')
