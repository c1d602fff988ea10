export { describeValue, FieldError } from './errors/field-error.js'
export { classifyError, ERROR_KIND_MEANINGS, ERROR_KINDS, type ErrorKind, RunError } from './errors/kinds.js'
export { createFabricFixture, type FabricFixture, type FabricFixtureOptions } from './fabric/fixture.js'
export {
  type FabricNode,
  type NodeOptions,
  NodeOptionsError,
  type NodeStats,
  type NodeTuple,
  startNode,
} from './fabric/node.js'
export { ConfigError, type LoadConfig, type TargetLike } from './load/config.js'
export type { Duration } from './load/duration.js'
export type { ResourceSample, ResourceSummary } from './load/resources.js'
export { runLoad } from './load/run.js'
export { formatSummary, type ReportSummary, summarizeReport } from './load/summary.js'
export type {
  LoadReport,
  LoadReportBody,
  RecoverySample,
  ReportConfig,
  RoutePressure,
  StreamSample,
  TargetProbe,
  TargetStats,
  TransportSnapshot,
} from './load/types.js'
export type { Verdict, VerdictInput, VerdictRule } from './load/verdict/index.js'
export { formatMetric, verdict, verdictRules } from './load/verdict/index.js'
export type { QuicksandMatchers, SurvivePathLossOptions } from './matchers/index.js'
export { isLoadReport, matchers } from './matchers/index.js'
export { LatencyHistogram } from './metrics/histogram.js'
export type { MultipathFixtureOptions, MultipathSetup } from './multipath/fixture.js'
export {
  type ConnectMultipathOptions,
  connectMultipath,
  type MultipathConnection,
  type MultipathPathInput,
  type MultipathStats,
  type MultipathTuning,
  type PathStats,
  SCHEDULER_NAMES,
  type SchedulerName,
} from './multipath/index.js'
export type { MultipathNode, MultipathNodeOptions, MultipathPathOptions } from './multipath/node.js'
export type { MultipathTargetInput } from './multipath/target.js'
export type {
  AddressHopOptions,
  CommandHopOptions,
  GeneratorReport,
  HopCounters,
  HopReport,
  ImpairmentReport,
  PipelineAccounting,
  PipelineConfig,
  PipelineHopHandle,
  PipelineHopOptions,
  PipelineImpairment,
  PipelineReport,
  PipelineRunOptions,
  RelayHopOptions,
  SinkReport,
} from './pipeline/index.js'
export { runPipeline } from './pipeline/index.js'
export type { ControlListenOptions, ControlServer } from './proxy/control/http.js'
export { type LabMode, type LabModeState, type LabStats, startLabControl } from './proxy/control/lab.js'
export { startControlServer, TOXIPROXY_DEFAULT_PORT } from './proxy/control/toxiproxy.js'
export type {
  ConnectionRecord,
  Direction,
  FlapOptions,
  Impairment,
  ImpairmentHandle,
  ImpairmentProxy,
  ProxyFixture,
  ProxyOptions,
  ProxyStats,
  ScheduleHandle,
  TimelineStep,
} from './proxy/index.js'
export {
  createProxy,
  createProxyFixture,
  DEFAULT_SEED,
  ImpairmentError,
  seedFromName,
} from './proxy/index.js'
export {
  type CheckId,
  type CheckMatrix,
  type CheckResult,
  type CheckStatus,
  LAB_CHECKS,
  type MatrixOutcome,
  matrixOutcome,
  type Throughput,
} from './relay/check-matrix.js'
export { LAB_SEGMENTS, type RelayLabOptions, runRelayLab, writeEvidence } from './relay/lab.js'
export type { LedgerEntry, RelayAttempt } from './relay/ledger.js'
export { type PeerOptions, type ReceivedSegment, type RelayPeer, startPeer } from './relay/peer.js'
export type { PeerCounters } from './relay/peer-session.js'
export {
  type AutoRetryOptions,
  type Deadletter,
  type Relay,
  type RelayOptions,
  type RelayStatus,
  type RetryResult,
  type SubmitOptions,
  type SubmitResult,
  startRelay,
} from './relay/relay.js'
export { defaultEventBus, EventBus, type RunEvent, type RunEventInput } from './run/events.js'
export type { Recorder } from './run/recorder.js'
export { DEFAULT_SAMPLE_INTERVAL_MS, type RunOptions, type RunProgress, runWorkload } from './run/runner.js'
export { MAX_TIMELINE_SAMPLES, type TimelineSample } from './run/timeline.js'
export type { ReportEvent, RunRecord, RunSpan, WorkerContext, WorkerSide, Workload } from './run/workload.js'
export type { Disturbance, TrafficConfig, TrafficTargetLike } from './traffic/config.js'
export type { ConnStats } from './traffic/conn-stats.js'
export { type EchoFront, type EchoFrontOptions, startEchoFront } from './traffic/echo-front.js'
export { type EchoServer, type EchoServerOptions, startEchoServer } from './traffic/echo-server.js'
export type { EchoFixture, TrafficFixture } from './traffic/fixture.js'
export type { DisturbanceRecord, RttSummary, TrafficReport, TrafficSample } from './traffic/report.js'
export { runTraffic } from './traffic/run.js'
export type {
  EndpointStats,
  QuicCertificate,
  QuicConnection,
  QuicConnectOptions,
  QuicListener,
  QuicListenOptions,
  QuicStream,
  QuicTransport,
} from './transport/quic/index.js'
export {
  closeClients,
  connectQuic,
  generateCertificate,
  listenQuic,
  quicTransport,
} from './transport/quic/index.js'
export type { TransportKind } from './transport/types.js'
