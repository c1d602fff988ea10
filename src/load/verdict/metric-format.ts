// Beyond this, figures are noise: latencies are recorded to the microsecond.
const MAX_DECIMALS = 6

function formatDecimals(value: number, decimals: number): string {
  if (!Number.isFinite(value)) return String(value)
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return value.toFixed(0)
  const fixed = value.toFixed(decimals)
  const trimmed = fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed
  return trimmed === '-0' ? '0' : trimmed
}

/**
 * Formats a figure for a reason string: integers as-is, fractions to at most 3 decimals
 * with trailing zeros trimmed, so sub-millisecond latencies and thresholds stay visible.
 */
export function formatMetric(value: number): string {
  return formatDecimals(value, 3)
}

/**
 * Formats a figure and the threshold it broke; adds decimals (up to 6) when 3 would print
 * them equal, so a reason never reads like `0.231 > 0.231`.
 */
export function formatComparison(value: number, limit: number): [value: string, limit: string] {
  for (let decimals = 3; decimals < MAX_DECIMALS; decimals++) {
    const pair: [string, string] = [formatDecimals(value, decimals), formatDecimals(limit, decimals)]
    if (pair[0] !== pair[1]) return pair
  }
  return [formatDecimals(value, MAX_DECIMALS), formatDecimals(limit, MAX_DECIMALS)]
}
