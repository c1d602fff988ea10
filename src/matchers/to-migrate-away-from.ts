import { formatMetric } from '../load/verdict/metric-format.js'
import type { MatcherContext, MatcherResult } from './context.js'
import { isLoadReport, matcherHeader, notALoadReport } from './report-guard.js'

const NAME = 'toMigrateAwayFrom'

/** The URL of a node, proxy or URL string, as reports key targets. */
function urlOf(target: unknown): string {
  if (typeof target === 'string') return target.trim().replace(/\/+$/, '')
  if (
    typeof target === 'object' &&
    target !== null &&
    typeof (target as { url?: unknown }).url === 'string'
  ) {
    return (target as { url: string }).url
  }
  throw new TypeError(
    `${NAME}(target): target must be a fabric node, a proxy or a URL, got ${String(target)}`,
  )
}

/**
 * Passes when at least one stream migrated off `target` after a slow ACK (migrateSlowStreams):
 * a 'migration' event from it. Prints the target's degradation and where the migrations went.
 */
export function toMigrateAwayFrom(this: MatcherContext, received: unknown, target: unknown): MatcherResult {
  const url = urlOf(target)
  if (!isLoadReport(received)) return notALoadReport(this, NAME, received, 'target')
  const { utils } = this
  const migrations = (received.events ?? []).filter((e) => e.type === 'migration')
  const away = migrations.filter((e) => e.from === url)
  const pass = away.length > 0
  const destinations: Record<string, number> = {}
  for (const e of away) destinations[String(e.to)] = (destinations[String(e.to)] ?? 0) + 1
  const known = received.config.targets.includes(url)
  const degraded = received.degradedTargets?.[url]
  const stats = received.targetStats[url]
  return {
    pass,
    message: () =>
      `${matcherHeader(this, NAME, 'target')}\n\n` +
      `Expected: ${pass ? 'no ' : ''}streams migrating away from ${utils.printExpected(url)}\n` +
      `Received: ${utils.printReceived(`${away.length} migration(s) from it`)} of ${received.migrationEvents ?? 0} in the run\n\n` +
      (known ? '' : `${url} is not one of the run's targets: ${received.config.targets.join(', ')}\n`) +
      `migrateSlowStreams ${received.config.migrateSlowStreams ? 'on' : 'off'}, maxAckMs ${formatMetric(received.config.maxAckMs ?? 0)}\n` +
      `${url}: degraded ${degraded === undefined ? 'never' : `(${degraded})`}, ` +
      `max ack ${stats ? formatMetric(stats.maxAckMs) : 'n/a'} ms, degraded events ${stats?.degradedEvents ?? 0}\n` +
      (away.length > 0
        ? `Migrated to:\n${Object.entries(destinations)
            .map(([to, n]) => `  ${to}  ${n}`)
            .join('\n')}`
        : 'Migrated to: (nowhere)'),
  }
}
