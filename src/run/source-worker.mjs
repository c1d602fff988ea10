// Used only when quicksand runs from its TypeScript sources (its own test suite): registers tsx in
// this worker thread so the worker and the workloads it imports are the sources under test, not
// whatever was built last.
import { register } from 'tsx/esm/api'

register()
const { default: runTask } = await import('./worker.ts')
export default runTask
