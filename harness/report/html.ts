/**
 * `--report FILE.html`: one self-contained HTML page (inline CSS and SVG, no
 * script, no network) that shows a run at a glance: the verdict, the key
 * figures, charts of frame intervals, jitter and loss, and a per-client table.
 *
 * renderHtmlReport is pure; writeHtmlReport is the only part that touches
 * the file system. Charts stay small whatever the run: beyond a few sessions
 * series are pooled into time buckets (min/p50/p99/max), and long series
 * are downsampled in chartData. A run merged from shards brings those buckets
 * and the interval histogram already pooled (`pooled`, from mergeable
 * histograms: p50/p99 within 1 %), since its sessions' series stayed behind.
 */
import { BASE_STYLE } from "./style.js"
import * as FileSystem from "@effect/platform/FileSystem"
import { Data, Effect } from "effect"
import type { RunAggregate } from "../metrics/aggregate.js"
import { histogramSummary, weightedValues } from "../metrics/logHistogram.js"
import { type PercentileSummary, summarize } from "../metrics/percentile.js"
import { type PooledCharts, type PooledSeries, pooledBuckets } from "../metrics/pooledSeries.js"
import type { ExpectationCheck } from "../run/expectations.js"
import { describePlatformError } from "../../src/common/errorText.js"
import { type HistogramBin, histogramBins, type LineSeries, type TimeBucket, timeBuckets, weightedHistogramBins } from "./chartData.js"
import { escapeXml, histogramChart, horizontalBarChart, lineChart, sortedBarStrip } from "./svgCharts.js"
import { type TracksOfRun, tracksTable } from "./trackSummary.js"

export interface ReportSession {
  readonly id: string
  readonly ok: boolean
  readonly failureReason?: string
  readonly framesReceived: number
  readonly framesDropped: number
  readonly lossPct: number
  readonly fps: number
  readonly jitterMs: number
  readonly startupMs?: number
  /** Arrival times of frames relative to the run start (ms), ascending; intervals are their differences. */
  readonly frameArrivalsMs: ReadonlyArray<number>
  /** RFC 3550 jitter samples over time (ms since run start). */
  readonly jitterSeries: ReadonlyArray<{ readonly tMs: number; readonly jitterMs: number }>
}

/** An expectation's verdict, as the run judged it. */
export type ReportCheck = ExpectationCheck

export interface ReportInput {
  readonly title: string
  readonly url: string
  /** The command line, shown verbatim. */
  readonly command: string
  /** ISO time. */
  readonly startedAt: string
  readonly durationMs: number
  readonly aggregate: RunAggregate
  readonly sessions: ReadonlyArray<ReportSession>
  /** Expectations of a scenario, PASS/FAIL. */
  readonly checks?: ReadonlyArray<ReportCheck>
  /** The charts' figures already pooled (a run merged from shards); the sessions' series are then not used. */
  readonly pooled?: PooledCharts
  /** Per track, when the sessions had more than one or a codec other than MJPEG. */
  readonly tracks?: TracksOfRun
}

/** Up to this many sessions get a line each in the time charts; more are pooled per time bucket. */
export const MAX_INDIVIDUAL_SERIES = 4
/** Up to this many clients get a labelled bar each in the loss chart; more get a sorted strip. */
export const MAX_LABELLED_BARS = 40
/** Above this many clients the per-client table starts collapsed. */
export const TABLE_COLLAPSE_ABOVE = 20
/** Pooled time charts use at most about this many buckets (1 s each on runs up to 10 minutes). */
const MAX_BUCKETS = 600

const esc = escapeXml

const isNumber = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n)

/** A figure with fixed decimals and grouped thousands; "–" when there is none. */
export const fmt = (n: number | undefined, decimals = 1): string =>
  isNumber(n) ? n.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals }) : "–"

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`

export const formatDuration = (ms: number): string => {
  if (!Number.isFinite(ms) || ms < 0) return "–"
  if (ms < 1000) return `${Math.round(ms)} ms`
  const s = ms / 1000
  if (s < 60) return `${s.toFixed(1)} s`
  const m = Math.floor(s / 60)
  return `${m} min ${Math.round(s - m * 60)} s`
}

// ---------------------------------------------------------------------------
// Series

interface Sample {
  readonly t: number
  readonly v: number
}

/** Inter-frame intervals of one session, each placed at the arrival that ends it. */
export const intervalSamples = (arrivalsMs: ReadonlyArray<number>): ReadonlyArray<Sample> => {
  const out: Array<Sample> = []
  for (let i = 1; i < arrivalsMs.length; i++) {
    const a = arrivalsMs[i - 1]
    const b = arrivalsMs[i]
    if (a !== undefined && b !== undefined) out.push({ t: b, v: b - a })
  }
  return out
}

/** Whole seconds, so that buckets of pooled per-second figures line up with them. */
const bucketWidthFor = (lastMs: number): number => 1000 * Math.max(1, Math.ceil(lastMs / 1000 / MAX_BUCKETS))

const bucketWidthMs = (samples: ReadonlyArray<Sample>): number => {
  let last = 0
  for (const s of samples) if (s.t > last) last = s.t
  return bucketWidthFor(last)
}

const TIME_AXIS = "time since start (s)"

const bucketLabel = (widthMs: number): string => (widthMs === 1000 ? "per second" : `per ${widthMs / 1000} s`)

/** A time chart: one line per session when few, else pooled buckets (min–max band, p50 and p99 lines). */
const timeChart = (
  title: string,
  yLabel: string,
  perSession: ReadonlyArray<{ readonly id: string; readonly samples: ReadonlyArray<Sample> }>
): string => {
  const withData = perSession.filter((s) => s.samples.length > 0)
  if (withData.length <= MAX_INDIVIDUAL_SERIES) {
    const lines: ReadonlyArray<LineSeries> = withData.map((s) => ({
      label: s.id,
      points: s.samples.map((p) => ({ x: p.t / 1000, y: p.v }))
    }))
    return lineChart({ title, xLabel: TIME_AXIS, yLabel, lines })
  }
  const pooled = withData.flatMap((s) => s.samples)
  const width = bucketWidthMs(pooled)
  return pooledTimeChart(title, yLabel, withData.length, width, timeBuckets(pooled, width))
}

/** Figures pooled from a merged run's shards, drawn as timeChart draws many sessions. */
const pooledSeriesChart = (title: string, yLabel: string, series: PooledSeries): string => {
  const width = bucketWidthFor(series.lastMs)
  return pooledTimeChart(title, yLabel, series.sessions, width, pooledBuckets(series, width))
}

const pooledTimeChart = (title: string, yLabel: string, sessions: number, width: number, buckets: ReadonlyArray<TimeBucket>): string => {
  const mid = (t: number): number => (t + width / 2) / 1000
  return lineChart({
    title: `${title}, ${sessions} sessions pooled ${bucketLabel(width)}`,
    xLabel: TIME_AXIS,
    yLabel,
    bands: [{ label: "min–max", points: buckets.map((b) => ({ x: mid(b.t), low: b.min, high: b.max })), color: "#8a8f98" }],
    lines: [
      { label: "p50", points: buckets.map((b) => ({ x: mid(b.t), y: b.p50 })), color: "#2f6fdf" },
      { label: "p99", points: buckets.map((b) => ({ x: mid(b.t), y: b.p99 })), color: "#e8772e" }
    ]
  })
}

const lossChart = (sessions: ReadonlyArray<ReportSession>): string => {
  const title = "Packet loss per client"
  if (sessions.length <= MAX_LABELLED_BARS) {
    return horizontalBarChart({
      title,
      xLabel: "packets lost (%)",
      yLabel: "",
      unit: " %",
      highlightLabel: "failed",
      bars: sessions.map((s) => ({ label: s.id, value: s.lossPct, highlight: !s.ok }))
    })
  }
  const lossy = sessions.filter((s) => s.lossPct > 0).length
  return sortedBarStrip({
    title: `${title}: ${lossy.toLocaleString("en-US")} of ${sessions.length.toLocaleString("en-US")} lost packets (sorted, failed in red)`,
    xLabel: "clients, sorted by loss",
    yLabel: "lost (%)",
    values: sessions.map((s) => s.lossPct),
    highlight: sessions.map((s) => !s.ok)
  })
}

const intervalBinOptions = (summary: PercentileSummary | undefined, shortest: number) => ({
  bins: 80,
  // Bins start at the shortest interval (rounded down), so a tight distribution still gets several bins.
  ...(Number.isFinite(shortest) ? { lower: Math.max(0, Math.floor(shortest)) } : {}),
  // A long tail would squash the body: values beyond 2 × p99 share one overflow bin (the log axis shows its size).
  ...(summary === undefined ? {} : { upper: Math.max(summary.p99 * 2, summary.p50 * 1.5) })
})

const intervalBins = (intervals: ReadonlyArray<number>): ReadonlyArray<HistogramBin> =>
  histogramBins(intervals, intervalBinOptions(summarize(intervals), intervals.reduce((m, v) => (Number.isFinite(v) && v < m ? v : m), Number.POSITIVE_INFINITY)))

const pooledIntervalBins = (pooled: PooledCharts): ReadonlyArray<HistogramBin> =>
  weightedHistogramBins(weightedValues(pooled.intervalHistogram), intervalBinOptions(histogramSummary(pooled.intervalHistogram), pooled.intervalHistogram.min ?? Number.NaN))

const intervalHistogram = (bins: ReadonlyArray<HistogramBin>): string =>
  histogramChart({
    title: "Inter-frame intervals (all sessions)",
    xLabel: "interval (ms)",
    yLabel: "frames (log scale)",
    logY: true,
    bins
  })

// ---------------------------------------------------------------------------
// Page parts

interface Figure {
  readonly label: string
  readonly value: string
  readonly detail: string
  readonly bad?: boolean
}

const figureCard = (f: Figure): string =>
  `<div class="card${f.bad === true ? " bad" : ""}"><div class="label">${esc(f.label)}</div><div class="value">${esc(f.value)}</div><div class="detail">${esc(f.detail)}</div></div>`

const figures = (a: RunAggregate): ReadonlyArray<Figure> => [
  {
    label: "Clients ok",
    value: `${a.clientsOk.toLocaleString("en-US")} / ${a.clients.toLocaleString("en-US")}`,
    detail: a.clientsFailed === 0 ? "none failed" : `${a.clientsFailed.toLocaleString("en-US")} failed`,
    bad: a.clientsFailed > 0
  },
  { label: "Frame rate", value: `${fmt(a.fps?.mean, 2)} fps`, detail: `mean; min ${fmt(a.fps?.min, 2)} fps` },
  {
    label: "Packet loss",
    value: `${fmt(a.lossPct, 2)} %`,
    detail: `${a.packetsLost.toLocaleString("en-US")} of ${a.packetsExpected.toLocaleString("en-US")} packets`,
    bad: a.packetsLost > 0
  },
  { label: "Jitter", value: `${fmt(a.jitterMs?.mean, 2)} ms`, detail: `mean; max ${fmt(a.jitterMs?.max, 2)} ms` },
  { label: "Start-up", value: `${fmt(a.startupMs?.p50, 0)} ms`, detail: `p50; p99 ${fmt(a.startupMs?.p99, 0)} ms` },
  {
    label: "Frame interval",
    value: `${fmt(a.intervalMs?.p50, 1)} ms`,
    detail: `p50; p95 ${fmt(a.intervalMs?.p95, 1)}, p99 ${fmt(a.intervalMs?.p99, 1)}, max ${fmt(a.intervalMs?.max, 1)}`
  },
  {
    label: "Frames",
    value: a.framesReceived.toLocaleString("en-US"),
    detail: `received; ${a.framesDropped.toLocaleString("en-US")} dropped incomplete`,
    bad: a.framesDropped > 0
  }
]

interface Verdict {
  readonly ok: boolean
  readonly text: string
}

export const verdictOf = (input: ReportInput): Verdict => {
  const checks = input.checks ?? []
  if (checks.length > 0) {
    const failed = checks.filter((c) => !c.ok).length
    return failed === 0
      ? { ok: true, text: `PASS: all ${plural(checks.length, "check")} passed` }
      : { ok: false, text: `FAIL: ${failed} of ${plural(checks.length, "check")} failed` }
  }
  const a = input.aggregate
  if (a.clients === 0) return { ok: false, text: "No sessions ran" }
  return a.clientsFailed === 0
    ? { ok: true, text: `All ${plural(a.clients, "client")} ok (no expectations set)` }
    : { ok: false, text: `${a.clientsFailed.toLocaleString("en-US")} of ${plural(a.clients, "client")} failed` }
}

const failureTable = (reasons: Readonly<Record<string, number>>): string => {
  const rows = Object.entries(reasons).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  if (rows.length === 0) return ""
  return `<section><h2>Failures</h2><table class="narrow"><thead><tr><th>reason</th><th class="num">clients</th></tr></thead><tbody>${
    rows.map(([reason, n]) => `<tr><td>${esc(reason)}</td><td class="num">${n.toLocaleString("en-US")}</td></tr>`).join("")
  }</tbody></table></section>`
}

const checksTable = (checks: ReadonlyArray<ReportCheck> | undefined): string => {
  if (checks === undefined || checks.length === 0) return ""
  return `<section><h2>Checks</h2><table><thead><tr><th></th><th>check</th><th>expected</th><th>actual</th></tr></thead><tbody>${
    checks
      .map((c) =>
        `<tr${c.ok ? "" : ` class="fail"`}><td><span class="tag ${c.ok ? "pass" : "fail"}">${c.ok ? "PASS" : "FAIL"}</span></td><td>${esc(c.name)}</td><td>${esc(c.expected)}</td><td>${esc(c.actual)}</td></tr>`
      )
      .join("")
  }</tbody></table></section>`
}

const sessionRow = (s: ReportSession): string =>
  `<tr${s.ok ? "" : ` class="fail"`}><td>${esc(s.id)}</td><td><span class="tag ${s.ok ? "pass" : "fail"}">${s.ok ? "ok" : "failed"}</span></td>` +
  `<td class="num">${s.framesReceived.toLocaleString("en-US")}</td><td class="num">${s.framesDropped.toLocaleString("en-US")}</td>` +
  `<td class="num">${fmt(s.lossPct, 2)}</td><td class="num">${fmt(s.fps, 2)}</td><td class="num">${fmt(s.jitterMs, 2)}</td>` +
  `<td class="num">${fmt(s.startupMs, 0)}</td><td>${s.ok ? "" : esc(s.failureReason ?? "unknown")}</td></tr>`

const sessionTable = (sessions: ReadonlyArray<ReportSession>): string => {
  if (sessions.length === 0) return ""
  const failed = sessions.filter((s) => !s.ok).length
  const table = `<table><thead><tr><th>client</th><th>status</th><th class="num">frames</th><th class="num">dropped</th><th class="num">loss %</th><th class="num">fps</th><th class="num">jitter ms</th><th class="num">start-up ms</th><th>failure</th></tr></thead><tbody>${
    sessions.map(sessionRow).join("")
  }</tbody></table>`
  const heading = `Per-client results: ${plural(sessions.length, "client")}${failed > 0 ? `, ${failed.toLocaleString("en-US")} failed` : ""}`
  return sessions.length > TABLE_COLLAPSE_ABOVE
    ? `<section><details><summary><h2>${esc(heading)}</h2></summary>${table}</details></section>`
    : `<section><h2>${esc(heading)}</h2>${table}</section>`
}

const STYLE = `${BASE_STYLE}
h1{font-size:22px;margin:0 0 8px}h2{font-size:16px;margin:0 0 10px;display:inline-block}
section{margin:22px 0}
.verdict{display:inline-block;padding:6px 14px;border-radius:6px;font-weight:700;font-size:16px;color:#fff}
.verdict.pass{background:var(--pass)}.verdict.fail{background:var(--fail)}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:12px 0 0;color:var(--muted)}
pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:10px}
.card{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--pass);border-radius:6px;padding:10px 12px}
.card.bad{border-left-color:var(--fail)}
.card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .value{font-size:22px;font-weight:650;font-variant-numeric:tabular-nums}
.card .detail{color:var(--muted);font-size:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:14px}
.chart{display:block;width:100%;height:auto;background:var(--card);border:1px solid var(--line);border-radius:6px}
table.narrow{width:auto;min-width:320px}
.num{text-align:right}
summary{cursor:pointer}
footer{color:var(--muted);font-size:12px;margin-top:30px}
`

/** The time charts, the loss chart and the interval histogram, from the sessions' own series. */
const sessionCharts = (sessions: ReadonlyArray<ReportSession>): string => {
  const intervalsBySession = sessions.map((s) => ({ id: s.id, samples: intervalSamples(s.frameArrivalsMs) }))
  const jitterBySession = sessions.map((s) => ({ id: s.id, samples: s.jitterSeries.map((j) => ({ t: j.tMs, v: j.jitterMs })) }))
  return (
    timeChart("Inter-frame intervals", "interval (ms)", intervalsBySession) +
    timeChart("RTP jitter (RFC 3550)", "jitter (ms)", jitterBySession) +
    lossChart(sessions) +
    intervalHistogram(intervalBins(intervalsBySession.flatMap((s) => s.samples.map((p) => p.v))))
  )
}

/** The same charts from figures pooled beforehand (a merged run). */
const pooledCharts = (pooled: PooledCharts, sessions: ReadonlyArray<ReportSession>): string =>
  pooledSeriesChart("Inter-frame intervals", "interval (ms)", pooled.intervalsMs) +
  pooledSeriesChart("RTP jitter (RFC 3550)", "jitter (ms)", pooled.jitterMs) +
  lossChart(sessions) +
  intervalHistogram(pooledIntervalBins(pooled))

/** The whole report as one HTML document. */
export const renderHtmlReport = (input: ReportInput): string => {
  const verdict = verdictOf(input)
  const a = input.aggregate
  const pooled = input.pooled

  const header =
    `<header><h1>${esc(input.title)}</h1><div class="verdict ${verdict.ok ? "pass" : "fail"}">${esc(verdict.text)}</div>` +
    `<dl class="meta"><dt>URL</dt><dd>${esc(input.url)}</dd><dt>command</dt><dd><pre><code>${esc(input.command)}</code></pre></dd>` +
    `<dt>started</dt><dd>${esc(input.startedAt)}</dd><dt>duration</dt><dd>${esc(formatDuration(input.durationMs))}</dd>` +
    `<dt>clients</dt><dd>${esc(plural(a.clients, "client"))}, ${esc(a.clientsOk.toLocaleString("en-US"))} ok, ${esc(a.clientsFailed.toLocaleString("en-US"))} failed</dd></dl></header>`

  const charts =
    `<section><h2>Charts</h2><div class="charts">` +
    (pooled === undefined ? sessionCharts(input.sessions) : pooledCharts(pooled, input.sessions)) +
    `</div></section>`

  return [
    "<!DOCTYPE html>",
    `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`,
    `<title>${esc(input.title)}</title><style>${STYLE}</style></head><body><main>`,
    header,
    `<section><h2>Key figures</h2><div class="cards">${figures(a).map(figureCard).join("")}</div></section>`,
    checksTable(input.checks),
    failureTable(a.failureReasons),
    tracksTable(input.tracks),
    charts,
    sessionTable(input.sessions),
    `<footer>rtsp-harness report · generated from ${esc(plural(input.sessions.length, "session"))}</footer>`,
    "</main></body></html>",
    ""
  ].join("\n")
}

export class ReportError extends Data.TaggedError("ReportError")<{
  readonly reason: "Write"
  readonly path: string
  readonly message: string
  readonly cause?: unknown
}> {}

/** Renders the report and writes it to `file`. */
export const writeHtmlReport = (file: string, input: ReportInput): Effect.Effect<void, ReportError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const html = renderHtmlReport(input)
    yield* Effect.mapError(
      fs.writeFileString(file, html),
      (cause) => new ReportError({ reason: "Write", path: file, message: `cannot write the report to ${file}: ${describePlatformError(cause)}`, cause })
    )
  })
