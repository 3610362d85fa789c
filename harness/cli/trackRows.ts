/**
 * The rows a session's tracks add to `play`'s table: each track's codec and figures, what the
 * H.264/H.265 stream said of itself, and the lip sync between audio and video. A session of one
 * MJPEG track adds none: the session's rows are that track's. Pure.
 */
import type { NalFigures } from "../receiver/nalReceiver.js"
import type { TrackMetrics } from "../run/trackMetrics.js"
import { dropped, fixed } from "./render.js"

type Row = readonly [string, string]


const CHROMA = ["4:0:0", "4:2:0", "4:2:2", "4:4:4"] as const

const headline = (t: TrackMetrics): string => {
  const channels = t.channels === undefined ? "" : `, ${t.channels} channel${t.channels === 1 ? "" : "s"}`
  return `${t.kind} ${t.encoding}, ${t.clockRate} Hz${channels}${t.control === "" ? "" : ` (${t.control})`}`
}


const nalRows = (nal: NalFigures): ReadonlyArray<Row> => {
  const name = nal.codec === "H264" ? "H.264" : "H.265"
  const sps = nal.sps
  const picture = sps === undefined
    ? `no SPS read${nal.spsError === undefined ? "" : `: ${nal.spsError}`}`
    : `${sps.profile} ${sps.level}, ${sps.width}x${sps.height}, ${CHROMA[sps.chromaFormatIdc] ?? `chroma ${sps.chromaFormatIdc}`} ${sps.bitDepthLuma}-bit (SPS from ${sps.source === "sdp" ? "the SDP" : "the stream"})`
  const gop = nal.gop === undefined ? "" : `, GOP ${nal.gop.lastFrames} frames (min ${nal.gop.minFrames}, max ${nal.gop.maxFrames})`
  const first = nal.firstKeyframeMs === undefined ? "none after PLAY" : `first ${fixed(nal.firstKeyframeMs, 1)} ms after PLAY`
  return [
    [`  ${name}`, picture],
    ["  parameter sets", `${nal.parameterSetsFromSdp} in the SDP, ${nal.parameterSetsInBand} in band`],
    ["  keyframes", `${nal.keyframes}${gop}; ${first}`],
    ["  broken access units", `${nal.brokenUnits}${dropped(nal.problems)}`]
  ]
}

/** The primary track's RTP and frame figures are the session's rows already: its block has the rest. */
const trackBlock = (t: TrackMetrics, n: number): ReadonlyArray<Row> => [
  [`track ${n}`, `${headline(t)}${n === 1 ? ": the figures above" : ""}`],
  ...(n === 1 ? [] : otherTrackRows(t)),
  ...(t.nal === undefined ? [] : nalRows(t.nal))
]

const otherTrackRows = (t: TrackMetrics): ReadonlyArray<Row> => [
  ["  frames", `${t.framesReceived} whole, ${t.framesDropped} dropped${dropped(t.droppedByReason)}; ${fixed(t.fps)} per s`],
  ["  packets", `${t.packetsReceived} (lost ${t.packetsLost}, ${fixed(t.lossPct)} %; duplicates ${t.duplicates}, reordered ${t.reordered})`],
  ["  jitter", `${fixed(t.jitterMs, 3)} ms`],
  ["  bitrate", `${fixed(t.bitrateKbps, 0)} kbit/s`],
  ["  RTCP", `SR received ${t.senderReports}, BYE ${t.byeReceived ? "received" : "not seen"}`]
]

/** Audio behind (positive) or ahead of video. */
const lipSyncText = (ms: number): string =>
  `audio ${fixed(Math.abs(ms), 1)} ms ${ms >= 0 ? "behind" : "ahead of"} video (from the RTCP sender reports)`

export const trackRows = (tracks: ReadonlyArray<TrackMetrics> | undefined, lipSyncMs: number | undefined): ReadonlyArray<Row> => {
  if (tracks === undefined || (tracks.length === 1 && tracks[0]?.codec === "JPEG")) return []
  const sync: ReadonlyArray<Row> = lipSyncMs === undefined
    ? tracks.some((t) => t.kind === "audio") && tracks.some((t) => t.kind === "video") ? [["lip sync", "— (no sender report on both tracks)"]] : []
    : [["lip sync", lipSyncText(lipSyncMs)]]
  return [...tracks.flatMap((t, i) => trackBlock(t, i + 1)), ...sync]
}
