export { dropPlaces } from './accounting.js'
export type {
  AddressHopOptions,
  CommandHopOptions,
  HopCounters,
  PipelineConfig,
  PipelineHopHandle,
  PipelineHopOptions,
  PipelineImpairment,
  RelayHopOptions,
} from './config.js'
export { DEFAULT_BUFFER_PACKETS, DEFAULT_PACKET_SIZE } from './config.js'
export { createPipelineFixture, type PipelineFixture } from './fixture.js'
export type {
  GeneratorReport,
  HopReport,
  ImpairmentReport,
  PipelineAccounting,
  PipelineReport,
  SinkReport,
} from './report.js'
export { type PipelineRunOptions, runPipeline } from './run.js'
