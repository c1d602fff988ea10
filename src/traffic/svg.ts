// A traffic run as a picture, written without a browser: packets sent, received and dropped per
// second above, connections active, connecting and failed per second below, each disturbance
// shaded from when it was done until the run was back at the full rate.
import type { TimelineSample } from '../run/timeline.js'
import type { TrafficReport } from './report.js'

const WIDTH = 800
const PANEL_HEIGHT = 180
const MARGIN = { left: 60, right: 150, top: 30, bottom: 30 }
const GAP = 50

interface Series {
  label: string
  color: string
  values: number[]
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** A rounded axis maximum at or above `max` (1, 2 or 5 times a power of ten). */
function niceMax(max: number): number {
  if (max <= 0) return 1
  const power = 10 ** Math.floor(Math.log10(max))
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power
  return 10 * power
}

function panel(
  title: string,
  series: Series[],
  top: number,
  seconds: number,
  shades: Array<{ from: number; to: number; label: string }>,
): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)))
  const x = (second: number) => MARGIN.left + (seconds <= 1 ? 0 : (second / (seconds - 1)) * plotWidth)
  const y = (value: number) => top + PANEL_HEIGHT - (value / max) * PANEL_HEIGHT
  const parts: string[] = []
  for (const shade of shades) {
    const from = Math.max(MARGIN.left, x(shade.from))
    const to = Math.min(MARGIN.left + plotWidth, Math.max(from + 2, x(shade.to)))
    parts.push(
      `<rect x="${from.toFixed(1)}" y="${top}" width="${(to - from).toFixed(1)}" height="${PANEL_HEIGHT}" fill="#f4a261" fill-opacity="0.25"><title>${escapeXml(shade.label)}</title></rect>`,
    )
  }
  parts.push(
    `<text x="${MARGIN.left}" y="${top - 8}" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
    `<line x1="${MARGIN.left}" y1="${top + PANEL_HEIGHT}" x2="${MARGIN.left + plotWidth}" y2="${top + PANEL_HEIGHT}" stroke="#333"/>`,
    `<line x1="${MARGIN.left}" y1="${top}" x2="${MARGIN.left}" y2="${top + PANEL_HEIGHT}" stroke="#333"/>`,
  )
  for (const tick of [0, max / 2, max]) {
    parts.push(
      `<text x="${MARGIN.left - 6}" y="${y(tick) + 4}" font-size="11" text-anchor="end">${tick}</text>`,
      `<line x1="${MARGIN.left}" y1="${y(tick)}" x2="${MARGIN.left + plotWidth}" y2="${y(tick)}" stroke="#ddd"/>`,
    )
  }
  const every = Math.max(1, Math.ceil(seconds / 10))
  for (let second = 0; second < seconds; second += every) {
    parts.push(
      `<text x="${x(second)}" y="${top + PANEL_HEIGHT + 14}" font-size="11" text-anchor="middle">${second}s</text>`,
    )
  }
  series.forEach((s, i) => {
    const points = s.values.map((v, second) => `${x(second).toFixed(1)},${y(v).toFixed(1)}`).join(' ')
    parts.push(
      `<polyline points="${points}" fill="none" stroke="${s.color}" stroke-width="2"/>`,
      `<rect x="${WIDTH - MARGIN.right + 15}" y="${top + i * 18}" width="12" height="3" fill="${s.color}"/>`,
      `<text x="${WIDTH - MARGIN.right + 32}" y="${top + i * 18 + 5}" font-size="12">${escapeXml(s.label)}</text>`,
    )
  })
  return parts.join('\n')
}

/** One value per second of the timeline (intervals shorter than a second are summed; levels take the last). */
function perSecond(timeline: TimelineSample[], key: string, level: boolean): number[] {
  const seconds = Math.max(0, ...timeline.map((s) => Math.floor(s.at / 1000) + 1))
  const values = new Array<number>(seconds).fill(0)
  for (const sample of timeline) {
    const second = Math.floor(sample.at / 1000)
    const value = sample[key] ?? 0
    values[second] = level ? value : values[second]! + value
  }
  return values
}

/** The run's timeline as an SVG document. */
export function trafficSvg(report: TrafficReport): string {
  const timeline = report.timeline
  const seconds = Math.max(1, ...timeline.map((s) => Math.floor(s.at / 1000) + 1))
  const shades = report.disturbances.map((d) => ({
    from: d.atMs / 1000,
    to: (d.atMs + (d.recoveryMs ?? seconds * 1000)) / 1000,
    label: `${d.name} at ${d.atMs} ms, ${d.recoveryMs === null ? 'not recovered' : `recovered in ${d.recoveryMs} ms`}`,
  }))
  const packets: Series[] = [
    { label: 'sent/s', color: '#264653', values: perSecond(timeline, 'sent', false) },
    { label: 'received/s', color: '#2a9d8f', values: perSecond(timeline, 'received', false) },
    { label: 'dropped/s', color: '#e76f51', values: perSecond(timeline, 'dropped', false) },
  ]
  const connections: Series[] = [
    { label: 'active', color: '#2a9d8f', values: perSecond(timeline, 'active', true) },
    { label: 'connecting', color: '#e9c46a', values: perSecond(timeline, 'connecting', true) },
    { label: 'failed/s', color: '#e76f51', values: perSecond(timeline, 'failedConnections', false) },
  ]
  const height = MARGIN.top + 2 * PANEL_HEIGHT + GAP + MARGIN.bottom
  const title = `${report.Connections} connections to ${report.address}${report.udp ? ' (UDP)' : ''}, ${report.Rate} KB/s, ${report.PacketSize} B packets`
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<title>${escapeXml(`Traffic run: ${title}`)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    `<text x="${MARGIN.left}" y="16" font-size="12" fill="#555">${escapeXml(title)}</text>`,
    panel('Packets per second', packets, MARGIN.top + 14, seconds, shades),
    panel('Connections', connections, MARGIN.top + PANEL_HEIGHT + GAP, seconds, shades),
    '</svg>',
    '',
  ].join('\n')
}
