/**
 * The rows a session's tracks add to `play`'s table: a table of sessions (one MJPEG track, H.264
 * with AAC, H.265 alone, a track whose SPS could not be read) with every row they must give, and
 * a property for the lip sync line over any offset.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { trackRows } from "../../../harness/cli/trackRows.js"
import type { NalFigures } from "../../../harness/receiver/nalReceiver.js"
import type { TrackMetrics } from "../../../harness/run/trackMetrics.js"
import { parseH264Sps } from "../../../src/protocol/h264/sps.js"
import { parseH265Sps } from "../../../src/protocol/h265/sps.js"

const hex = (s: string): Buffer => Buffer.from(s, "hex")

/** GStreamer's H.264 SPS (its sprop-parameter-sets) and libx265's Main 320x240 (test/protocol/h265/sps.test.ts). */
const H264_SPS = Either.getOrThrow(parseH264Sps(hex("6764000dacb40a0fd808800000030080000019078a1550")))
const H265_SPS = Either.getOrThrow(parseH265Sps(hex("42010101600000030090000003000003003ca00a080f165959a4932bc05a020000030002000003003210")))

const track = (overrides: Partial<TrackMetrics> & Pick<TrackMetrics, "kind" | "codec" | "encoding" | "clockRate">): TrackMetrics => ({
  control: "",
  framesReceived: 0,
  framesDropped: 0,
  droppedByReason: {},
  fps: 0,
  packetsReceived: 0,
  packetsLost: 0,
  lossPct: 0,
  duplicates: 0,
  reordered: 0,
  jitterMs: 0,
  bitrateKbps: 0,
  senderReports: 0,
  byeReceived: false,
  ...overrides
})

const H264_NAL: NalFigures = {
  codec: "H264",
  parameterSetsFromSdp: 2,
  parameterSetsInBand: 48,
  sps: { ...H264_SPS, source: "sdp" },
  keyframes: 4,
  gop: { count: 3, minFrames: 24, maxFrames: 26, lastFrames: 25 },
  firstKeyframeMs: 412.34,
  brokenUnits: 2,
  problems: { SequenceGap: 2, FragmentWithoutEnd: 1 }
}

const H264_VIDEO = track({ kind: "video", control: "stream=0", codec: "H264", encoding: "H264", clockRate: 90000, framesReceived: 98, fps: 25, nal: H264_NAL })

const AAC_AUDIO = track({
  kind: "audio",
  control: "stream=1",
  codec: "AAC",
  encoding: "MPEG4-GENERIC",
  clockRate: 48000,
  channels: 1,
  framesReceived: 186,
  framesDropped: 2,
  droppedByReason: { SequenceGap: 2 },
  fps: 46.875,
  packetsReceived: 188,
  packetsLost: 2,
  lossPct: 1.0526,
  duplicates: 1,
  reordered: 3,
  jitterMs: 1.23456,
  bitrateKbps: 64.4,
  senderReports: 3,
  byeReceived: true
})

const H264_BLOCK = [
  ["track 1", "video H264, 90000 Hz (stream=0): the figures above"],
  ["  H.264", "High 1.3, 320x240, 4:2:0 8-bit (SPS from the SDP)"],
  ["  parameter sets", "2 in the SDP, 48 in band"],
  ["  keyframes", "4, GOP 25 frames (min 24, max 26); first 412.3 ms after PLAY"],
  ["  broken access units", "2 (SequenceGap 2, FragmentWithoutEnd 1)"]
] as const

const AAC_BLOCK = [
  ["track 2", "audio MPEG4-GENERIC, 48000 Hz, 1 channel (stream=1)"],
  ["  frames", "186 whole, 2 dropped (SequenceGap 2); 46.88 per s"],
  ["  packets", "188 (lost 2, 1.05 %; duplicates 1, reordered 3)"],
  ["  jitter", "1.235 ms"],
  ["  bitrate", "64 kbit/s"],
  ["  RTCP", "SR received 3, BYE received"]
] as const

export const TRACK_ROW_VECTORS: ReadonlyArray<{
  readonly name: string
  readonly tracks: ReadonlyArray<TrackMetrics> | undefined
  readonly lipSyncMs: number | undefined
  readonly rows: ReadonlyArray<readonly [string, string]>
}> = [
  { name: "no tracks reported (the classic dialect)", tracks: undefined, lipSyncMs: undefined, rows: [] },
  {
    name: "one MJPEG track: the session's rows are its rows",
    tracks: [track({ kind: "video", control: "streamid=0", codec: "JPEG", encoding: "JPEG", clockRate: 90000, framesReceived: 500, fps: 20 })],
    lipSyncMs: undefined,
    rows: []
  },
  { name: "H.264 + AAC, audio 40 ms late", tracks: [H264_VIDEO, AAC_AUDIO], lipSyncMs: 40, rows: [...H264_BLOCK, ...AAC_BLOCK, ["lip sync", "audio 40.0 ms behind video (from the RTCP sender reports)"]] },
  { name: "H.264 + AAC, audio 12.34 ms early", tracks: [H264_VIDEO, AAC_AUDIO], lipSyncMs: -12.34, rows: [...H264_BLOCK, ...AAC_BLOCK, ["lip sync", "audio 12.3 ms ahead of video (from the RTCP sender reports)"]] },
  { name: "H.264 + AAC without sender reports on both", tracks: [H264_VIDEO, AAC_AUDIO], lipSyncMs: undefined, rows: [...H264_BLOCK, ...AAC_BLOCK, ["lip sync", "— (no sender report on both tracks)"]] },
  {
    name: "H.265 alone, SPS from the stream, no keyframe yet: no lip sync line",
    tracks: [
      track({
        kind: "video",
        codec: "H265",
        encoding: "H265",
        clockRate: 90000,
        nal: { codec: "H265", parameterSetsFromSdp: 0, parameterSetsInBand: 3, sps: { ...H265_SPS, source: "in-band" }, keyframes: 0, brokenUnits: 0, problems: {} }
      })
    ],
    lipSyncMs: undefined,
    rows: [
      ["track 1", "video H265, 90000 Hz: the figures above"],
      ["  H.265", "Main 2, 320x240, 4:2:0 8-bit (SPS from the stream)"],
      ["  parameter sets", "0 in the SDP, 3 in band"],
      ["  keyframes", "0; none after PLAY"],
      ["  broken access units", "0"]
    ]
  },
  {
    name: "MJPEG with Opus in second place: its block has the RTP figures, an SPS that could not be read has the reason",
    tracks: [
      track({ kind: "video", control: "trackID=0", codec: "JPEG", encoding: "JPEG", clockRate: 90000 }),
      track({ kind: "audio", control: "trackID=1", codec: "OPUS", encoding: "OPUS", clockRate: 48000, channels: 2, fps: Number.NaN }),
      track({
        kind: "video",
        control: "trackID=2",
        codec: "H264",
        encoding: "H264",
        clockRate: 90000,
        nal: { codec: "H264", parameterSetsFromSdp: 0, parameterSetsInBand: 1, spsError: "the SPS ends before its picture size", keyframes: 1, firstKeyframeMs: 80, brokenUnits: 0, problems: {} }
      })
    ],
    lipSyncMs: 0,
    rows: [
      ["track 1", "video JPEG, 90000 Hz (trackID=0): the figures above"],
      ["track 2", "audio OPUS, 48000 Hz, 2 channels (trackID=1)"],
      ["  frames", "0 whole, 0 dropped; — per s"],
      ["  packets", "0 (lost 0, 0.00 %; duplicates 0, reordered 0)"],
      ["  jitter", "0.000 ms"],
      ["  bitrate", "0 kbit/s"],
      ["  RTCP", "SR received 0, BYE not seen"],
      ["track 3", "video H264, 90000 Hz (trackID=2)"],
      ["  frames", "0 whole, 0 dropped; 0.00 per s"],
      ["  packets", "0 (lost 0, 0.00 %; duplicates 0, reordered 0)"],
      ["  jitter", "0.000 ms"],
      ["  bitrate", "0 kbit/s"],
      ["  RTCP", "SR received 0, BYE not seen"],
      ["  H.264", "no SPS read: the SPS ends before its picture size"],
      ["  parameter sets", "0 in the SDP, 1 in band"],
      ["  keyframes", "1; first 80.0 ms after PLAY"],
      ["  broken access units", "0"],
      ["lip sync", "audio 0.0 ms behind video (from the RTCP sender reports)"]
    ]
  }
]

describe("trackRows", () => {
  it.each(TRACK_ROW_VECTORS)("$name", ({ tracks, lipSyncMs, rows }) => {
    expect(trackRows(tracks, lipSyncMs)).toStrictEqual(rows)
  })

  it("two video tracks and no audio: no lip sync line", () => {
    const rows = trackRows([H264_VIDEO, { ...H264_VIDEO, control: "stream=2" }], undefined)
    expect(rows.map(([label]) => label).filter((l) => l.startsWith("track") || l === "lip sync")).toEqual(["track 1", "track 2"])
  })
})

describe("trackRows properties", () => {
  it("the lip sync line says behind for audio late (or exactly in sync), ahead of for audio early, with the size to 0.1 ms", () => {
    const sessions = TRACK_ROW_VECTORS.filter((v) => v.tracks !== undefined && v.tracks.some((t) => t.kind === "audio"))
    fc.assert(
      fc.property(fc.constantFrom(...sessions), fc.double({ min: -5000, max: 5000, noNaN: true }), ({ tracks }, ms) => {
        const rows = trackRows(tracks, ms)
        const without = trackRows(tracks, undefined)
        // Only the last row changes.
        expect(rows.slice(0, -1)).toStrictEqual(without.slice(0, -1))
        expect(rows.at(-1)).toStrictEqual(["lip sync", `audio ${Math.abs(ms).toFixed(1)} ms ${ms >= 0 ? "behind" : "ahead of"} video (from the RTCP sender reports)`])
      }),
      { numRuns: 300 }
    )
  })
})
