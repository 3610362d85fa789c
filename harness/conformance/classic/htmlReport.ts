/**
 * `--report FILE.html` for the classic grader: one self-contained page (inline CSS and SVG, no
 * script, no network) a teacher can hand back. A summary table when there are several servers,
 * then a section per server: its score, every check with expected vs actual, the frame intervals
 * against the accepted band, and how the grade is worked out. Every text from a server is escaped.
 * renderClassicHtml is pure; writeClassicHtml is the only part that touches the file system.
 */
import { BASE_STYLE } from "../../report/style.js"
import * as FileSystem from "@effect/platform/FileSystem"
import { Effect } from "effect"
import { describePlatformError } from "../../../src/common/errorText.js"
import { ReportError } from "../../report/html.js"
import { escapeXml as esc, lineChart } from "../../report/svgCharts.js"
import type { CheckResult } from "../types.js"
import { CLASSIC_CHECKS, CLIENT_REPLY_READ_BYTES, CLIENT_RTP_READ_BYTES, PACING_TOLERANCE, STOP_GRACE_MS, STOP_OBSERVE_MS } from "./catalog.js"
import { isFullScore, showScore } from "./score.js"
import type { ClassicBatchReport, ClassicReport } from "./types.js"

export interface ClassicHtmlMeta {
  /** The command line, shown verbatim. */
  readonly command: string
  /** ISO time. */
  readonly generatedAt: string
}

const STYLE = `${BASE_STYLE}
h1{font-size:22px;margin:0 0 8px}h2{font-size:18px;margin:0 0 8px;overflow-wrap:anywhere}h3{font-size:15px;margin:14px 0 6px}
section.server{margin:28px 0;padding-top:8px;border-top:2px solid var(--line)}
.score{display:inline-block;padding:4px 12px;border-radius:6px;font-weight:700;font-size:16px;color:#fff}
.score.pass{background:var(--pass)}.score.fail{background:var(--fail)}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:10px 0;color:var(--muted)}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
td.text{overflow-wrap:anywhere}
.tag{white-space:nowrap}
.note{color:var(--muted);font-size:12px;margin-top:4px}
.chart{display:block;width:100%;max-width:720px;height:auto;background:var(--card);border:1px solid var(--line);border-radius:6px}
footer,.rules{color:var(--muted);font-size:12px}
`

const tag = (ok: boolean, text: string): string => `<span class="tag ${ok ? "pass" : "fail"}">${esc(text)}</span>`

const checkRow = (c: CheckResult): string =>
  `<tr${c.status === "PASS" ? "" : ` class="fail"`}><td>${tag(c.status === "PASS", c.status)}</td><td>${esc(c.name)}<div class="note"><code>${esc(c.id)}</code></div></td>` +
  `<td class="text">${esc(c.expected)}</td><td class="text">${esc(c.actual)}${c.detail === undefined ? "" : `<div class="note">${esc(c.detail)}</div>`}</td></tr>`

const checksTable = (checks: ReadonlyArray<CheckResult>): string =>
  `<table><thead><tr><th>result</th><th>check</th><th>expected</th><th>actual</th></tr></thead><tbody>${checks.map(checkRow).join("")}</tbody></table>`

/** The intervals of both PLAYs over time (a line each: none is drawn across the pause), with the band the median had to fall in. */
const pacingChart = (report: ClassicReport): string => {
  const intervals = report.measurements?.intervals ?? []
  if (intervals.length === 0) return ""
  const expectedMs = 1000 / report.fps
  const xs = intervals.map((i) => i.atMs / 1000)
  const band = [Math.min(...xs), Math.max(...xs)].map((x) => ({ x, low: expectedMs * (1 - PACING_TOLERANCE), high: expectedMs * (1 + PACING_TOLERANCE) }))
  const play = (n: number) => intervals.filter((i) => i.play === n).map((i) => ({ x: i.atMs / 1000, y: i.intervalMs }))
  return `<h3>Frame intervals</h3>` + lineChart({
    title: `Median ${report.measurements?.medianIntervalMs ?? "–"} ms, expected ${Math.round(expectedMs * 10) / 10} ms`,
    xLabel: "time since PLAY (s)",
    yLabel: "interval (ms)",
    lines: [{ label: "PLAY", points: play(1) }, { label: "after PAUSE", points: play(2) }],
    bands: [{ label: `accepted ±${PACING_TOLERANCE * 100}%`, points: band, color: "#2a9d5c" }]
  })
}

const anchorOf = (index: number): string => `server-${index + 1}`

const serverSection = (report: ClassicReport, index: number): string => {
  const full = isFullScore(report.score)
  const failed = report.checks.filter((c) => c.status !== "PASS").map((c) => c.id)
  return `<section class="server" id="${anchorOf(index)}"><h2>${esc(report.url)}</h2>` +
    `<div class="score ${full ? "pass" : "fail"}">${esc(`Score ${showScore(report.score)} (${report.score.percent}%)`)}</div>` +
    `<dl class="meta"><dt>result</dt><dd>${esc(report.unreachable !== undefined ? `unreachable: ${report.unreachable}` : full ? "full score" : `failed: ${failed.join(", ")}`)}</dd>` +
    `<dt>pacing judged at</dt><dd>${esc(`${report.fps} fps`)}</dd>` +
    (report.measurements === undefined ? "" : `<dt>datagrams received</dt><dd>${esc(String(report.measurements.datagrams))}</dd>`) +
    `</dl>` + checksTable(report.checks) + pacingChart(report) + `</section>`
}

const summaryTable = (batch: ClassicBatchReport): string =>
  `<table><thead><tr><th>server</th><th>score</th><th>failed checks</th></tr></thead><tbody>${
    batch.servers.map((s, i) => {
      const full = isFullScore(s.score)
      const failed = s.unreachable !== undefined ? `unreachable: ${s.unreachable}` : s.checks.filter((c) => c.status !== "PASS").map((c) => c.id).join(", ")
      return `<tr${full ? "" : ` class="fail"`}><td class="text"><a href="#${anchorOf(i)}">${esc(s.url)}</a></td><td>${tag(full, showScore(s.score))}</td><td class="text">${esc(failed || "–")}</td></tr>`
    }).join("")
  }</tbody></table>`

const RULES =
  `Each check is worth one point; the score is the checks passed out of all ${CLASSIC_CHECKS.length}. A check that could not run because an earlier step failed counts as failed and says why. ` +
  `The requests are the lab client's (Client.py) exact bytes; replies are read the way it reads them, by line position (it ignores a reply whose CSeq or Session differs, and reads replies with recv(${CLIENT_REPLY_READ_BYTES})). ` +
  `Pacing: the median interval between frames must be within ±${PACING_TOLERANCE * 100}% of 1000/fps. PAUSE and TEARDOWN: no datagram later than ${STOP_GRACE_MS} ms after the reply, watched for ${STOP_OBSERVE_MS} ms. ` +
  `Frames: a whole JPEG per datagram, each datagram at most ${CLIENT_RTP_READ_BYTES} bytes (the client's recv(${CLIENT_RTP_READ_BYTES})).`

export const renderClassicHtml = (batch: ClassicBatchReport, meta: ClassicHtmlMeta): string => {
  const single = batch.servers.length === 1
  const title = single ? `Classic lab grade: ${batch.servers[0]!.url}` : `Classic lab grades: ${batch.servers.length} servers`
  const verdict = single
    ? ""
    : `<div class="score ${batch.ok ? "pass" : "fail"}">${esc(`${batch.fullScore} of ${batch.servers.length} got full score`)}</div>`
  return [
    "<!DOCTYPE html>",
    `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`,
    `<title>${esc(title)}</title><style>${STYLE}</style></head><body><main>`,
    `<header><h1>${esc(title)}</h1>${verdict}<dl class="meta"><dt>command</dt><dd><pre><code>${esc(meta.command)}</code></pre></dd><dt>graded</dt><dd>${esc(meta.generatedAt)}</dd></dl></header>`,
    single ? "" : `<section>${summaryTable(batch)}</section>`,
    ...batch.servers.map(serverSection),
    `<section class="rules"><h3>How the grade is worked out</h3><p>${esc(RULES)}</p></section>`,
    `<footer>rtsp-harness conformance --dialect classic</footer>`,
    "</main></body></html>",
    ""
  ].join("\n")
}

export const writeClassicHtml = (file: string, batch: ClassicBatchReport, meta: ClassicHtmlMeta): Effect.Effect<void, ReportError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    yield* Effect.mapError(
      fs.writeFileString(file, renderClassicHtml(batch, meta)),
      (cause) => new ReportError({ reason: "Write", path: file, message: `cannot write the report to ${file}: ${describePlatformError(cause)}`, cause })
    )
  })
