/**
 * Human output of the harness: aligned two-column tables of what a session or a run measured,
 * and the PASS/FAIL table of checks. Pure: data in, lines out.
 */
import { JPEG_CLOCK_RATE } from "../../src/protocol/rtpJpeg.js"
import type { RunAggregate } from "../metrics/aggregate.js"
import type { PercentileSummary } from "../metrics/percentile.js"
import type { ExpectationCheck } from "../run/expectations.js"
import type { MethodTiming, SessionMetrics } from "../run/sessionMetrics.js"

export const fixed = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : "—")

export const table = (rows: ReadonlyArray<readonly [string, string]>): string => {
  const width = Math.max(0, ...rows.map(([label]) => label.length))
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join("\n")
}

const intervals = (s: PercentileSummary | undefined): string =>
  s === undefined ? "—" : `p50 ${fixed(s.p50, 1)}  p95 ${fixed(s.p95, 1)}  p99 ${fixed(s.p99, 1)}  max ${fixed(s.max, 1)} ms`

const timings = (rtspMs: Readonly<Record<string, MethodTiming>>): string =>
  Object.entries(rtspMs)
    .map(([method, t]) => `${method} ${fixed(t.p50, 1)}${t.count > 1 ? `/${fixed(t.p99, 1)}` : ""} ms`)
    .join(", ") || "—"

/** " (reason n, …)", or nothing when there are none. */
export const dropped = (byReason: Readonly<Record<string, number>>): string => {
  const parts = Object.entries(byReason).map(([reason, n]) => `${reason} ${n}`)
  return parts.length === 0 ? "" : ` (${parts.join(", ")})`
}

/** Strays are shown only when there were some: most runs have none. */
const strays = (n: number): string => (n > 0 ? `; ${n} from another SSRC, not counted` : "")

export const sessionRows = (m: SessionMetrics): ReadonlyArray<readonly [string, string]> => [
  ["transport", `${m.transport}${m.multicastGroup === undefined ? "" : ` ${m.multicastGroup}`}${m.fallback === undefined ? "" : ` (fell back: ${m.fallback})`}`],
  ["frames received", String(m.framesReceived)],
  ["frames dropped", `${m.framesDropped}${dropped(m.droppedByReason)}`],
  ["packets received", `${m.packetsReceived}  (lost ${m.packetsLost}, ${fixed(m.lossPct)} %; duplicates ${m.duplicates}, reordered ${m.reordered}${strays(m.strayPackets)})`],
  ["fps", `${fixed(m.fps)}${m.fpsMin1s === undefined ? "" : `  (min over 1 s: ${m.fpsMin1s})`}`],
  ["jitter (RFC 3550)", `${fixed(m.jitterMs, 3)} ms`],
  ["start-up", m.startupMs === undefined ? "—" : `${fixed(m.startupMs, 1)} ms (PLAY sent to first whole frame)`],
  ["inter-frame intervals", intervals(m.intervalMs)],
  ["bitrate", `${fixed(m.bitrateKbps, 0)} kbit/s`],
  ["RTP timestamps", m.timestampsConsistent ? "steady step per frame" : `irregular (a frame lost, or not ${JPEG_CLOCK_RATE}/fps)`],
  ["RTCP", `SR received ${m.senderReports}, RR sent ${m.receiverReportsSent}, BYE ${m.byeReceived ? "received" : "not seen"}`],
  ["RTSP reply time", timings(m.rtspMs)]
]

export const aggregateRows = (a: RunAggregate, rtspMs: Readonly<Record<string, MethodTiming>>): ReadonlyArray<readonly [string, string]> => {
  const reasons = Object.entries(a.failureReasons).map(([reason, n]) => `${n} x ${reason}`)
  return [
    ["clients", `${a.clients} (ok ${a.clientsOk}, failed ${a.clientsFailed})`],
    ...reasons.map((r, i) => [i === 0 ? "failures" : "", r] as const),
    ["frames received", `${a.framesReceived} (dropped ${a.framesDropped})`],
    ["packets received", `${a.packetsReceived} (lost ${a.packetsLost}, ${fixed(a.lossPct, 3)} %; duplicates ${a.duplicates}, reordered ${a.reordered}${strays(a.strayPackets)})`],
    ["fps per client", a.fps === undefined ? "—" : `mean ${fixed(a.fps.mean)}, min ${fixed(a.fps.min)}`],
    ["jitter", a.jitterMs === undefined ? "—" : `mean ${fixed(a.jitterMs.mean, 3)}, max ${fixed(a.jitterMs.max, 3)} ms`],
    ["start-up", a.startupMs === undefined ? "—" : `p50 ${fixed(a.startupMs.p50, 1)}, p99 ${fixed(a.startupMs.p99, 1)}, max ${fixed(a.startupMs.max, 1)} ms`],
    ["inter-frame intervals", intervals(a.intervalMs)],
    ["RTSP reply time p50/p99", timings(rtspMs)]
  ]
}

export const checkLines = (checks: ReadonlyArray<ExpectationCheck>): string => {
  if (checks.length === 0) return "  (no expectations)"
  const nameWidth = Math.max(...checks.map((c) => c.name.length))
  const expectedWidth = Math.max(...checks.map((c) => c.expected.length))
  return checks
    .map((c) => `  ${c.ok ? "PASS" : "FAIL"}  ${c.name.padEnd(nameWidth)}  expected ${c.expected.padEnd(expectedWidth)}  actual ${c.actual}`)
    .join("\n")
}
