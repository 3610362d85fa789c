/**
 * The report's tracks table: every client's tracks, taken by their place in the session (the
 * first track set up, the second, ...), summed over the clients, with what H.264/H.265 add (GOP,
 * broken access units, the first keyframe) and the lip sync between audio and video. Absent for
 * a run of one MJPEG track, whose figures are the report's own. Pure: figures in, markup out.
 */
import { escapeXml } from "./svgCharts.js"
import type { TrackMetrics } from "../run/trackMetrics.js"

export interface TrackSummary {
  /** "video H264 (stream=0)". */
  readonly label: string
  readonly clients: number
  readonly framesReceived: number
  readonly framesDropped: number
  readonly packetsReceived: number
  readonly packetsLost: number
  readonly jitterMeanMs: number
  readonly jitterMaxMs: number
  /** H.264/H.265: the shortest and longest GOP any client saw, in frames. */
  readonly gop?: { readonly min: number; readonly max: number }
  readonly brokenUnits?: number
  /** H.264/H.265: PLAY to the first whole keyframe, worst client (ms). */
  readonly firstKeyframeMaxMs?: number
}

export interface TracksOfRun {
  readonly tracks: ReadonlyArray<TrackSummary>
  /** Audio's delay minus video's over the clients that measured it (ms). */
  readonly lipSync?: { readonly min: number; readonly max: number; readonly clients: number }
}

interface ClientTracks {
  readonly tracks?: ReadonlyArray<TrackMetrics>
  readonly lipSyncMs?: number
}

const label = (t: TrackMetrics): string => `${t.kind} ${t.encoding}${t.control === "" ? "" : ` (${t.control})`}`

const range = (values: ReadonlyArray<number>): { readonly min: number; readonly max: number } | undefined =>
  values.length === 0 ? undefined : { min: Math.min(...values), max: Math.max(...values) }

const summarize = (tracks: ReadonlyArray<TrackMetrics>): TrackSummary => {
  const first = tracks[0]!
  const nal = tracks.flatMap((t) => (t.nal === undefined ? [] : [t.nal]))
  const gop = range(nal.flatMap((n) => (n.gop === undefined ? [] : [n.gop.minFrames, n.gop.maxFrames])))
  const firstKeyframes = nal.flatMap((n) => (n.firstKeyframeMs === undefined ? [] : [n.firstKeyframeMs]))
  const sum = (f: (t: TrackMetrics) => number): number => tracks.reduce((total, t) => total + f(t), 0)
  return {
    label: label(first),
    clients: tracks.length,
    framesReceived: sum((t) => t.framesReceived),
    framesDropped: sum((t) => t.framesDropped),
    packetsReceived: sum((t) => t.packetsReceived),
    packetsLost: sum((t) => t.packetsLost),
    jitterMeanMs: sum((t) => t.jitterMs) / tracks.length,
    jitterMaxMs: Math.max(...tracks.map((t) => t.jitterMs)),
    ...(gop === undefined ? {} : { gop }),
    ...(nal.length === 0 ? {} : { brokenUnits: nal.reduce((total, n) => total + n.brokenUnits, 0) }),
    ...(firstKeyframes.length === 0 ? {} : { firstKeyframeMaxMs: Math.max(...firstKeyframes) })
  }
}

/** Undefined when every client had at most one track and it was MJPEG: nothing to add. */
export const tracksOfRun = (clients: ReadonlyArray<ClientTracks | undefined>): TracksOfRun | undefined => {
  const byPlace: Array<Array<TrackMetrics>> = []
  for (const client of clients) client?.tracks?.forEach((t, i) => (byPlace[i] ??= []).push(t))
  if (byPlace.length === 0 || (byPlace.length === 1 && byPlace[0]!.every((t) => t.codec === "JPEG"))) return undefined
  const sync = clients.flatMap((c) => (c?.lipSyncMs === undefined ? [] : [c.lipSyncMs]))
  const lipSync = range(sync)
  return { tracks: byPlace.map(summarize), ...(lipSync === undefined ? {} : { lipSync: { ...lipSync, clients: sync.length } }) }
}

const num = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : "–")

export const tracksTable = (run: TracksOfRun | undefined): string => {
  if (run === undefined) return ""
  const rows = run.tracks.map((t) =>
    `<tr><td>${escapeXml(t.label)}</td><td class="num">${num(t.clients)}</td><td class="num">${num(t.framesReceived)}</td><td class="num">${num(t.framesDropped)}</td>` +
    `<td class="num">${num(t.packetsReceived)}</td><td class="num">${num(t.packetsLost)}</td><td class="num">${num(t.jitterMeanMs, 2)} / ${num(t.jitterMaxMs, 2)}</td>` +
    `<td class="num">${t.gop === undefined ? "–" : t.gop.min === t.gop.max ? num(t.gop.min) : `${num(t.gop.min)}–${num(t.gop.max)}`}</td>` +
    `<td class="num">${t.brokenUnits === undefined ? "–" : num(t.brokenUnits)}</td><td class="num">${t.firstKeyframeMaxMs === undefined ? "–" : num(t.firstKeyframeMaxMs, 1)}</td></tr>`
  ).join("")
  const sync = run.lipSync === undefined
    ? ""
    : `<p>Lip sync (audio delay minus video delay, from the RTCP sender reports): ${num(run.lipSync.min, 1)} to ${num(run.lipSync.max, 1)} ms over ${num(run.lipSync.clients)} client${run.lipSync.clients === 1 ? "" : "s"}.</p>`
  return `<section><h2>Tracks</h2><table><thead><tr><th>track</th><th class="num">clients</th><th class="num">frames</th><th class="num">dropped</th>` +
    `<th class="num">packets</th><th class="num">lost</th><th class="num">jitter mean / max ms</th><th class="num">GOP frames</th><th class="num">broken units</th>` +
    `<th class="num">first keyframe ms (worst)</th></tr></thead><tbody>${rows}</tbody></table>${sync}</section>`
}
