import type { LoadReport } from './types.js'

/** The few figures of a report a person reads first. */
export interface ReportSummary {
  verdict: 'pass' | 'fail'
  verdictReasons: string[]
  streams: string
  bytesSent: number
  throughputMbps: number
  ackP95Ms: number
  setupP95Ms: number
  failoverEvents: number
  channelLeaks: number
  targets: number
}

/** Reduce a report to its headline figures (for summaries and test metadata). */
export function summarizeReport(report: LoadReport): ReportSummary {
  return {
    verdict: report.verdict,
    verdictReasons: report.verdictReasons,
    streams: `${report.successfulStreams}/${report.totalStreams}`,
    bytesSent: report.bytesSent,
    throughputMbps: Math.round(report.throughputBps / 1e4) / 100,
    ackP95Ms: report.ackP95Ms,
    setupP95Ms: report.setupLatencyP95Ms,
    failoverEvents: report.failoverEvents,
    channelLeaks: report.channelLeaks,
    targets: report.config.targets.length,
  }
}

/** One line for a terminal: verdict, streams, bytes, throughput and the p95s. */
export function formatSummary(summary: ReportSummary): string {
  const mib = (summary.bytesSent / 1048576).toFixed(2)
  const reasons = summary.verdictReasons.length ? ` — ${summary.verdictReasons.join(', ')}` : ''
  return (
    `${summary.verdict.toUpperCase()} streams ${summary.streams} to ${summary.targets} target(s), ${mib} MiB, ` +
    `${summary.throughputMbps} Mbps, ack p95 ${summary.ackP95Ms} ms, setup p95 ${summary.setupP95Ms} ms, ` +
    `failovers ${summary.failoverEvents}, leaks ${summary.channelLeaks}${reasons}`
  )
}
