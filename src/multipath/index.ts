export {
  type ConnectionSettings,
  MultipathConnection,
  type MultipathStats,
  type PathStats,
  REORDER_WINDOW,
  RESEND_INTERVAL_MS,
} from './connection.js'
export { type ConnectMultipathOptions, connectMultipath, type MultipathPathInput } from './dial.js'
export { listenMultipath, type MultipathListener, type PathListen } from './listener.js'
export { isSchedulerName, SCHEDULER_NAMES, type SchedulerName } from './schedulers/index.js'
export { type MultipathTuning, resolveTuning } from './settings.js'
