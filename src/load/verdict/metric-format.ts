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

// Enough significant digits for any threshold a person types, few enough to hide float noise
// from unit conversions (1.1 Mbps is 1100000.0000000002 bps).
const THRESHOLD_DIGITS = 12
const thresholdFormat = new Intl.NumberFormat('en-US', {
  useGrouping: false,
  maximumSignificantDigits: THRESHOLD_DIGITS,
})

/**
 * Formats a threshold with the digits it was given (0.0001 stays 0.0001, never `0`), without
 * exponent notation or float noise.
 */
export function formatThreshold(limit: number): string {
  if (!Number.isFinite(limit)) return String(limit)
  const text = thresholdFormat.format(limit)
  return text === '-0' ? '0' : text
}

/**
 * Formats a figure and the threshold it broke: the threshold as given (formatThreshold), the
 * figure to 3 decimals, or more (up to 6) when 3 would print it equal to the threshold or on
 * its other side, so a reason never reads like `0.231 > 0.231` or `1.025 > 0`.
 */
export function formatComparison(value: number, limit: number): [value: string, limit: string] {
  const shownLimit = formatThreshold(limit)
  const side = Math.sign(value - limit)
  for (let decimals = 3; decimals < MAX_DECIMALS; decimals++) {
    const shown = formatDecimals(value, decimals)
    if (shown !== shownLimit && Math.sign(Number(shown) - limit) === side) return [shown, shownLimit]
  }
  return [formatDecimals(value, MAX_DECIMALS), shownLimit]
}
