/**
 * Small SVG charts for the HTML report: pure functions from numbers to SVG
 * strings, with axes, ticks, labels and a legend. Meant to be inlined in
 * HTML (no xmlns, no external references, no script). Every string from
 * the caller is escaped; callers downsample long series (see timeBuckets,
 * downsampleMinMax in chartData.ts) so a chart stays a few thousand points at most.
 * This file writes markup only; the numbers (domains, scales, ticks, bins) are chartData.ts's.
 */
import {
  type BandSeries,
  downsampleMinMax,
  domainOf,
  formatTick,
  type HistogramBin,
  type LineSeries,
  niceAxis,
  niceDomain,
  niceTicks,
  scale,
  stepOf,
  tickLabels,
  type XY
} from "./chartData.js"

export {
  type BandSeries,
  downsampleMinMax,
  formatTick,
  type HistogramBin,
  histogramBins,
  type LineSeries,
  niceTicks,
  type TimeBucket,
  timeBuckets,
  type XY
} from "./chartData.js"

export const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === '"' ? "&quot;" : "&#39;"))

export const PALETTE = ["#2f6fdf", "#e8772e", "#2a9d5c", "#c23b5a", "#7d5bd6", "#8a8f98"] as const
const FAIL_COLOUR = "#c23b5a"
const AXIS_COLOUR = "#8a8f98"
const GRID_COLOUR = "#8a8f9833"

export interface ChartFrameOptions {
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  /** Outer size in px (the SVG scales with its container through viewBox). */
  readonly width?: number
  readonly height?: number
}

/** Coordinates with one decimal: enough for a screen, and short. */
const c = (n: number): string => String(Math.round(n * 10) / 10)

interface Frame {
  readonly width: number
  readonly height: number
  readonly left: number
  readonly right: number
  readonly top: number
  readonly bottom: number
}

const frameOf = (options: ChartFrameOptions, left = 60): Frame => {
  const width = options.width ?? 720
  const height = options.height ?? 260
  return { width, height, left, right: width - 16, top: 34, bottom: height - 42 }
}

const text = (x: number, y: number, content: string, attrs = ""): string =>
  `<text x="${c(x)}" y="${c(y)}"${attrs ? ` ${attrs}` : ""}>${escapeXml(content)}</text>`

const open = (options: ChartFrameOptions, f: Frame): string =>
  `<svg class="chart" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img" aria-label="${escapeXml(options.title)}" font-size="11" fill="currentColor">` +
  `<title>${escapeXml(options.title)}</title>` +
  text(f.left, 18, options.title, `font-size="13" font-weight="600"`)

const axisLabels = (options: ChartFrameOptions, f: Frame): string =>
  text((f.left + f.right) / 2, f.height - 6, options.xLabel, `text-anchor="middle"`) +
  text(14, (f.top + f.bottom) / 2, options.yLabel, `text-anchor="middle" transform="rotate(-90 14 ${c((f.top + f.bottom) / 2)})"`)

const noData = (f: Frame): string =>
  `<rect x="${f.left}" y="${f.top}" width="${c(f.right - f.left)}" height="${c(f.bottom - f.top)}" fill="none" stroke="${GRID_COLOUR}"/>` +
  text((f.left + f.right) / 2, (f.top + f.bottom) / 2, "no data", `text-anchor="middle" fill="${AXIS_COLOUR}"`)

/** Horizontal grid lines and labels for y ticks. */
const yAxis = (ticks: ReadonlyArray<number>, y: (v: number) => number, f: Frame, label: (v: number) => string): string => {
  const parts = ticks.map((t) =>
    `<line x1="${f.left}" x2="${c(f.right)}" y1="${c(y(t))}" y2="${c(y(t))}" stroke="${GRID_COLOUR}"/>` +
    text(f.left - 6, y(t) + 4, label(t), `text-anchor="end"`)
  )
  return parts.join("") + `<line x1="${f.left}" x2="${f.left}" y1="${f.top}" y2="${c(f.bottom)}" stroke="${AXIS_COLOUR}"/>`
}

const xAxis = (ticks: ReadonlyArray<number>, x: (v: number) => number, f: Frame, label: (v: number) => string): string =>
  `<line x1="${f.left}" x2="${c(f.right)}" y1="${c(f.bottom)}" y2="${c(f.bottom)}" stroke="${AXIS_COLOUR}"/>` +
  ticks
    .map((t) =>
      `<line x1="${c(x(t))}" x2="${c(x(t))}" y1="${c(f.bottom)}" y2="${c(f.bottom + 4)}" stroke="${AXIS_COLOUR}"/>` +
      text(x(t), f.bottom + 16, label(t), `text-anchor="middle"`)
    )
    .join("")

const legend = (items: ReadonlyArray<{ readonly label: string; readonly color: string; readonly band?: boolean }>, f: Frame): string => {
  let x = f.right
  const parts: Array<string> = []
  // Laid out from the right edge leftwards; ~6 px per character is a fair guess at 11 px.
  for (const item of [...items].reverse()) {
    const w = 18 + Math.min(30, item.label.length) * 6
    x -= w
    parts.push(
      `<rect x="${c(x)}" y="10" width="10" height="10" fill="${item.color}"${item.band ? ` fill-opacity="0.25" stroke="${item.color}"` : ""}/>` +
        text(x + 14, 19, item.label.slice(0, 30))
    )
  }
  return parts.join("")
}

/** The whole chart: frame, title, the body (or "no data" when there is none), axis labels, and any legend. */
const chart = (options: ChartFrameOptions, f: Frame, body: string | undefined, legendMarkup = ""): string =>
  open(options, f) + (body ?? noData(f)) + axisLabels(options, f) + legendMarkup + "</svg>"

/**
 * Lines (and shaded low–high bands) over a numeric x axis, typically time
 * in seconds. Each line is reduced to `maxPoints` points (min/max buckets).
 */
export const lineChart = (
  options: ChartFrameOptions & {
    readonly lines: ReadonlyArray<LineSeries>
    readonly bands?: ReadonlyArray<BandSeries>
    /** Start the y axis at zero (default true: durations, rates). */
    readonly yFromZero?: boolean
    readonly maxPoints?: number
  }
): string => {
  const f = frameOf(options)
  const lines = options.lines.map((l, i) => ({
    ...l,
    color: l.color ?? PALETTE[i % PALETTE.length] ?? AXIS_COLOUR,
    points: downsampleMinMax(l.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)), options.maxPoints ?? 1500)
  }))
  const bands = (options.bands ?? []).map((b, i) => ({
    ...b,
    color: b.color ?? PALETTE[(lines.length + i) % PALETTE.length] ?? AXIS_COLOUR,
    points: b.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.low) && Number.isFinite(p.high))
  }))
  const xs = [...lines.flatMap((l) => l.points.map((p) => p.x)), ...bands.flatMap((b) => b.points.map((p) => p.x))]
  const ys = [...lines.flatMap((l) => l.points.map((p) => p.y)), ...bands.flatMap((b) => b.points.flatMap((p) => [p.low, p.high]))]
  const xd = domainOf(xs, false)
  const ya = niceAxis(ys, options.yFromZero ?? true, f.bottom, f.top)
  let body: string | undefined
  if (xd !== undefined && ya !== undefined) {
    const x = scale(xd, f.left, f.right)
    const y = ya.at
    const xt = niceTicks(xd[0], xd[1], 8)
    const parts = [yAxis(ya.ticks, y, f, tickLabels(ya.ticks)), xAxis(xt, x, f, tickLabels(xt))]
    for (const b of bands) {
      if (b.points.length === 0) continue
      const upper = b.points.map((p) => `${c(x(p.x))},${c(y(p.high))}`)
      const lower = [...b.points].reverse().map((p) => `${c(x(p.x))},${c(y(p.low))}`)
      parts.push(`<polygon points="${[...upper, ...lower].join(" ")}" fill="${b.color}" fill-opacity="0.2" stroke="${b.color}" stroke-opacity="0.4" stroke-width="0.5"/>`)
    }
    for (const l of lines) {
      if (l.points.length === 1) {
        const p = l.points[0] as XY
        parts.push(`<circle cx="${c(x(p.x))}" cy="${c(y(p.y))}" r="3" fill="${l.color}"/>`)
      } else if (l.points.length > 1) {
        parts.push(`<polyline points="${l.points.map((p) => `${c(x(p.x))},${c(y(p.y))}`).join(" ")}" fill="none" stroke="${l.color}" stroke-width="1.5" stroke-linejoin="round"/>`)
      }
    }
    body = parts.join("")
  }
  const items = [...bands.map((b) => ({ label: b.label, color: b.color, band: true })), ...lines.map((l) => ({ label: l.label, color: l.color }))]
  return chart(options, f, body, items.length > 1 || bands.length > 0 ? legend(items, f) : "")
}

export interface Bar {
  readonly label: string
  readonly value: number
  /** Drawn in the failure colour (e.g. a client that failed). */
  readonly highlight?: boolean
}

/** One labelled horizontal bar per item (for up to a few dozen); the height grows with the count. */
export const horizontalBarChart = (
  options: ChartFrameOptions & {
    readonly bars: ReadonlyArray<Bar>
    readonly unit?: string
    readonly decimals?: number
    /** Said after the value of a highlighted bar, e.g. "failed". */
    readonly highlightLabel?: string
  }
): string => {
  const rowHeight = 18
  const base = frameOf({ ...options, height: 34 + Math.max(1, options.bars.length) * rowHeight + 42 }, 130)
  // Room at the right for the value labels (longer when a highlighted bar says why).
  const f = { ...base, right: base.right - (options.bars.some((b) => b.highlight === true) ? 100 : 50) }
  const unit = options.unit ?? ""
  const decimals = options.decimals ?? 2
  const values = options.bars.map((b) => b.value).filter(Number.isFinite)
  const xa = niceAxis(values, true, f.left, f.right)
  let body: string | undefined
  if (xa !== undefined) {
    const x = xa.at
    const parts = [xAxis(xa.ticks, x, f, tickLabels(xa.ticks))]
    options.bars.forEach((b, i) => {
      const top = f.top + i * rowHeight
      const value = Number.isFinite(b.value) ? b.value : 0
      const w = Math.max(1, x(value) - f.left)
      const label = b.label.length > 20 ? `${b.label.slice(0, 19)}…` : b.label
      parts.push(
        `<g><title>${escapeXml(`${b.label}: ${value.toFixed(decimals)}${unit}`)}</title>` +
          text(f.left - 6, top + 13, label, `text-anchor="end"`) +
          `<rect x="${f.left}" y="${top + 3}" width="${c(w)}" height="${rowHeight - 6}" fill="${b.highlight ? FAIL_COLOUR : PALETTE[0]}"/>` +
          text(f.left + w + 4, top + 13, `${value.toFixed(decimals)}${unit}${b.highlight ? ` (${options.highlightLabel ?? "flagged"})` : ""}`, b.highlight ? `fill="${FAIL_COLOUR}"` : "") +
          `</g>`
      )
    })
    parts.push(`<line x1="${f.left}" x2="${f.left}" y1="${f.top}" y2="${c(f.bottom)}" stroke="${AXIS_COLOUR}"/>`)
    body = parts.join("")
  }
  return chart(options, f, body)
}

/**
 * Many values (hundreds of clients) as one strip of bars sorted from the
 * largest down, adjacent equal values merged into one rectangle.
 */
export const sortedBarStrip = (
  options: ChartFrameOptions & { readonly values: ReadonlyArray<number>; readonly highlight?: ReadonlyArray<boolean> }
): string => {
  const f = frameOf(options)
  const items = options.values
    .map((value, i) => ({ value: Number.isFinite(value) ? value : 0, highlight: options.highlight?.[i] ?? false }))
    .sort((a, b) => b.value - a.value || Number(b.highlight) - Number(a.highlight))
  const ya = niceAxis(items.map((i) => i.value), true, f.bottom, f.top)
  let body: string | undefined
  if (ya !== undefined) {
    const y = ya.at
    const n = items.length
    const x = scale([0, n], f.left, f.right)
    const parts = [yAxis(ya.ticks, y, f, tickLabels(ya.ticks))]
    let start = 0
    for (let i = 1; i <= n; i++) {
      const a = items[start]
      const b = items[i]
      if (b !== undefined && a !== undefined && b.value === a.value && b.highlight === a.highlight) continue
      if (a !== undefined && a.value > 0) {
        const top = y(a.value)
        parts.push(`<rect x="${c(x(start))}" y="${c(top)}" width="${c(Math.max(0.5, x(i) - x(start)))}" height="${c(Math.max(0.5, f.bottom - top))}" fill="${a.highlight ? FAIL_COLOUR : PALETTE[0]}"/>`)
      }
      start = i
    }
    const xt = niceTicks(0, n, 8).filter((t) => Number.isInteger(t))
    parts.push(xAxis(xt, x, f, (v) => String(v)))
    body = parts.join("")
  }
  return chart(options, f, body)
}

/** Adjacent bars over numeric bins; the overflow bin is marked "≥ from". Optionally a log-scaled count axis. */
export const histogramChart = (
  options: ChartFrameOptions & { readonly bins: ReadonlyArray<HistogramBin>; readonly logY?: boolean }
): string => {
  const f = frameOf(options)
  const bins = options.bins.filter((b) => Number.isFinite(b.from) && Number.isFinite(b.to) && b.to > b.from)
  const maxCount = bins.reduce((m, b) => Math.max(m, b.count), 0)
  let body: string | undefined
  if (bins.length > 0 && maxCount > 0) {
    const first = bins[0] as HistogramBin
    const last = bins[bins.length - 1] as HistogramBin
    const x = scale([first.from, last.to], f.left, f.right)
    const parts: Array<string> = []
    let y: (v: number) => number
    if (options.logY === true) {
      // log10 with the baseline at 0.5, so a bin of one is still a visible bar.
      const top = Math.max(1, Math.ceil(Math.log10(maxCount)))
      const ly = scale([Math.log10(0.5), top], f.bottom, f.top)
      y = (v) => (v <= 0 ? f.bottom : ly(Math.log10(v)))
      const ticks = Array.from({ length: top + 1 }, (_, k) => 10 ** k)
      parts.push(yAxis(ticks, y, f, (v) => v.toLocaleString("en-US")))
    } else {
      const d = niceDomain([0, maxCount])
      y = scale(d, f.bottom, f.top)
      const ticks = niceTicks(d[0], d[1]).filter((t) => Number.isInteger(t))
      parts.push(yAxis(ticks, y, f, (v) => v.toLocaleString("en-US")))
    }
    for (const b of bins) {
      if (b.count <= 0) continue
      const top = y(b.count)
      const label = b.overflow ? `≥ ${b.from.toFixed(1)}: ${b.count}` : `${b.from.toFixed(1)}–${b.to.toFixed(1)}: ${b.count}`
      parts.push(
        `<rect x="${c(x(b.from) + 0.5)}" y="${c(top)}" width="${c(Math.max(0.5, x(b.to) - x(b.from) - 1))}" height="${c(Math.max(0.5, f.bottom - top))}" fill="${b.overflow ? FAIL_COLOUR : PALETTE[0]}"><title>${escapeXml(label)}</title></rect>`
      )
    }
    const plain = bins.filter((b) => !b.overflow)
    const xt = niceTicks(first.from, (plain[plain.length - 1] ?? last).to, 8)
    parts.push(xAxis(xt, x, f, tickLabels(xt)))
    if (last.overflow) parts.push(text(x((last.from + last.to) / 2), f.top - 4, `≥ ${formatTick(last.from, stepOf(xt) / 10)}`, `text-anchor="end" fill="${FAIL_COLOUR}"`))
    body = parts.join("")
  }
  return chart(options, f, body)
}
