/** The report's tracks table: summed by place over the clients, absent for one MJPEG track. */
import { describe, expect, it } from "@effect/vitest"
import { tracksOfRun, tracksTable } from "../../../harness/report/trackSummary.js"
import type { TrackMetrics } from "../../../harness/run/trackMetrics.js"

const track = (over: Partial<TrackMetrics>): TrackMetrics => ({
  kind: "video",
  control: "stream=0",
  codec: "H264",
  encoding: "H264",
  clockRate: 90_000,
  framesReceived: 100,
  framesDropped: 0,
  droppedByReason: {},
  fps: 25,
  packetsReceived: 172,
  packetsLost: 0,
  lossPct: 0,
  duplicates: 0,
  reordered: 0,
  jitterMs: 0.5,
  bitrateKbps: 320,
  senderReports: 2,
  byeReceived: true,
  ...over
})

const nal = (gop: number, broken: number, firstKeyframeMs: number) => ({
  codec: "H264" as const,
  parameterSetsFromSdp: 2,
  parameterSetsInBand: 8,
  keyframes: 4,
  gop: { count: 3, minFrames: gop, maxFrames: gop, lastFrames: gop },
  firstKeyframeMs,
  brokenUnits: broken,
  problems: broken === 0 ? {} : { SequenceGap: broken }
})

const audio = track({ kind: "audio", control: "stream=1", codec: "AAC", encoding: "MPEG4-GENERIC", clockRate: 48_000, framesReceived: 189, packetsReceived: 189, jitterMs: 1 })

describe("tracksOfRun", () => {
  it("a run of one MJPEG track has no tracks table", () => {
    const mjpeg = track({ codec: "JPEG", encoding: "JPEG", control: "" })
    expect(tracksOfRun([{ tracks: [mjpeg] }, { tracks: [mjpeg] }, undefined])).toBeUndefined()
    expect(tracksTable(undefined)).toBe("")
  })

  it("sums each track over the clients by its place, with the GOP range, broken units, the worst first keyframe and the lip sync range", () => {
    const run = tracksOfRun([
      { tracks: [track({ nal: nal(25, 0, 40) }), audio], lipSyncMs: -2 },
      { tracks: [track({ nal: nal(30, 3, 90), framesDropped: 3, packetsLost: 4, jitterMs: 1.5 }), audio], lipSyncMs: 5 },
      // A client that never set up a track adds nothing.
      undefined
    ])
    expect(run).toStrictEqual({
      tracks: [
        { label: "video H264 (stream=0)", clients: 2, framesReceived: 200, framesDropped: 3, packetsReceived: 344, packetsLost: 4, jitterMeanMs: 1, jitterMaxMs: 1.5, gop: { min: 25, max: 30 }, brokenUnits: 3, firstKeyframeMaxMs: 90 },
        { label: "audio MPEG4-GENERIC (stream=1)", clients: 2, framesReceived: 378, framesDropped: 0, packetsReceived: 378, packetsLost: 0, jitterMeanMs: 1, jitterMaxMs: 1 }
      ],
      lipSync: { min: -2, max: 5, clients: 2 }
    })
    const html = tracksTable(run)
    expect(html).toContain("<td>video H264 (stream=0)</td>")
    expect(html).toContain("25–30")
    expect(html).toContain("-2.0 to 5.0 ms over 2 clients")
  })

  it("one H.264 track alone still gets its table (its GOP is news)", () => {
    expect(tracksOfRun([{ tracks: [track({ nal: nal(25, 0, 40) })] }])?.tracks).toHaveLength(1)
  })

  it("escapes what the server wrote in its SDP", () => {
    const html = tracksTable(tracksOfRun([{ tracks: [track({ control: "<script>" })] }]))
    expect(html).toContain("&lt;script&gt;")
    expect(html).not.toContain("<script>")
  })
})
