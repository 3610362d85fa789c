/**
 * The tracks of a server's description as a client sets them up: a table of real SDPs
 * (GStreamer's H.264+AAC and H.265+Opus, our own server's MJPEG, a camera's H.264+PCMU, and one
 * of static types without rtpmaps beside lines that are not tracks), each with the tracks it
 * must give and what the `--tracks` selectors pick from them. The properties are seeded from the
 * same table: every track can be selected by its control and by its URL, line ends and the
 * encoding name's case change nothing, and fmtp names come out lower-cased whatever the spacing.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { buildMjpegSdp } from "../../src/protocol/sdp.js"
import {
  describeTracks,
  parseFormatParameters,
  parseTrackSelector,
  selectTracks,
  type TrackDescription,
  type TrackSelector
} from "../../src/protocol/sdpTracks.js"
import { crlf, parsed } from "./sdpKit.js"

// ---------------------------------------------------------------------------
// The descriptions
// ---------------------------------------------------------------------------

/** GStreamer's rtsp-server serving an H.264+AAC file (Content-Base rtsp://127.0.0.1:8600/av/). */
const GSTREAMER_H264_AAC = crlf([
  "v=0",
  "o=- 9469220509233952938 1 IN IP4 127.0.0.1",
  "s=Session streamed with GStreamer",
  "i=rtsp-server",
  "t=0 0",
  "a=tool:GStreamer",
  "a=type:broadcast",
  "a=control:*",
  "a=range:npt=0-4.021",
  "m=video 0 RTP/AVP 96",
  "c=IN IP4 0.0.0.0",
  "a=rtpmap:96 H264/90000",
  "a=framerate:25",
  "a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z2QADay0Cg/YCIAAAAMAgAAAGQeKFVA=,aO8Pyw==;profile-level-id=64000d;level-asymmetry-allowed=1",
  "a=control:stream=0",
  "a=ts-refclk:local",
  "a=mediaclk:sender",
  "a=ssrc:3718432896 cname:user1698332045@host-10d1641a",
  "m=audio 0 RTP/AVP 97",
  "c=IN IP4 0.0.0.0",
  "a=rtpmap:97 MPEG4-GENERIC/48000/1",
  "a=fmtp:97 streamtype=5;profile-level-id=2;mode=AAC-hbr;config=118856e500;sizelength=13;indexlength=3;indexdeltalength=3",
  "a=control:stream=1"
])

/** The same server with an H.265+Opus file. */
const GSTREAMER_H265_OPUS = crlf([
  "v=0",
  "o=- 1188340656180883 1 IN IP4 127.0.0.1",
  "s=Session streamed with GStreamer",
  "i=rtsp-server",
  "t=0 0",
  "a=tool:GStreamer",
  "a=type:broadcast",
  "a=control:*",
  "a=range:npt=0-4.000",
  "m=video 0 RTP/AVP 96",
  "c=IN IP4 0.0.0.0",
  "a=rtpmap:96 H265/90000",
  "a=framerate:25",
  "a=fmtp:96 sprop-vps=QAEMAf//AWAAAAMAkAAAAwAAAwA8ugJA;sprop-sps=QgEBAWAAAAMAkAAAAwAAAwA8oAoIDxZbqSTK8BaAgAAAAwCAAAAMhA==;sprop-pps=RAHBcrRiQA==",
  "a=control:stream=0",
  "m=audio 0 RTP/AVP 97",
  "c=IN IP4 0.0.0.0",
  "a=rtpmap:97 OPUS/48000/2",
  "a=fmtp:97 sprop-stereo=0",
  "a=control:stream=1"
])

/** What our own server sends for movie.Mjpeg. */
const OURS = buildMjpegSdp({ sessionId: "3905015734", name: "movie.Mjpeg", control: "streamid=0", fps: 20, durationSeconds: 25 })
const OURS_DYNAMIC = buildMjpegSdp({ sessionId: "1", name: "movie.Mjpeg", control: "trackID=0", fps: 25, durationSeconds: -1, payloadType: 96 })

/**
 * A camera in the style of the common IP cameras: absolute controls, `; ` between fmtp
 * parameters and names in mixed case, PCMU audio with an rtpmap but no channel count, and
 * attributes nobody else knows. The SPS is libx264's main-profile 642x362 (test/protocol/h264/sps.test.ts).
 */
const CAMERA = crlf([
  "v=0",
  "o=- 1700000000000000 1 IN IP4 192.168.1.64",
  "s=Media Presentation",
  "e=NONE",
  "b=AS:5100",
  "t=0 0",
  "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/",
  "m=video 0 RTP/AVP 96",
  "c=IN IP4 0.0.0.0",
  "b=AS:5000",
  "a=recvonly",
  "a=x-dimensions:642,362",
  "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1",
  "a=rtpmap:96 H264/90000",
  "a=fmtp:96 Profile-Level-Id=4d401e; Packetization-Mode=1; sprop-parameter-sets=Z01AHuygUhfxEmAiAAADAAIAAAMAZB4sWyw=,aO48gA==",
  "a=Media_header:MEDIAINFO=494D4B48010100000400000100000000000000000000000000000000000000000000000000000000;",
  "m=audio 0 RTP/AVP 0",
  "c=IN IP4 0.0.0.0",
  "b=AS:50",
  "a=recvonly",
  "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=2",
  "a=rtpmap:0 PCMU/8000"
])

/**
 * Static payload types with no rtpmap at all (0, 8, 26), a dynamic type mapped to a codec we do
 * not know, a dynamic type with no rtpmap, and two media lines that are not RTP tracks.
 */
const STATIC_AND_OTHERS = crlf([
  "v=0",
  "o=- 1 1 IN IP4 10.0.0.9",
  "s=static",
  "t=0 0",
  "m=audio 0 RTP/AVP 0",
  "a=control:trackID=0",
  "m=audio 0 RTP/AVP 8 0",
  "a=control:trackID=1",
  "m=application 0 udp wb",
  "a=control:trackID=9",
  "m=video 0 RTP/AVP 26",
  "a=control:trackID=2",
  "m=video 0 RTP/AVPF 98",
  "a=rtpmap:98 VP8/90000",
  "a=control:trackID=3",
  "m=application 0 UDP 107",
  "a=control:trackID=8",
  "m=application 0 RTP/AVP 107",
  "a=fmtp:107 Foo=Bar"
])

/** A description with no RTP track at all. */
const NO_TRACKS = crlf(["v=0", "o=- 1 1 IN IP4 10.0.0.9", "s=none", "t=0 0", "m=application 9 TCP/BFCP *"])

// ---------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------

/** A track with its parameters as a plain record, for comparing. */
type TrackRecord = Omit<TrackDescription, "parameters"> & { readonly parameters: Readonly<Record<string, string>> }

const record = (t: TrackDescription): TrackRecord => ({ ...t, parameters: Object.fromEntries(t.parameters) })

interface SelectionCase {
  readonly selector: TrackSelector
  /** The indexes of the tracks picked, or the message. */
  readonly expected: ReadonlyArray<number> | string
}

interface TracksVector {
  readonly name: string
  readonly sdp: string
  readonly contentBase: string
  readonly tracks: ReadonlyArray<TrackRecord>
  readonly selections: ReadonlyArray<SelectionCase>
}

const GSTREAMER_H264_TRACKS = "its tracks: video H264 (stream=0), audio MPEG4-GENERIC (stream=1)"

export const TRACK_VECTORS: ReadonlyArray<TracksVector> = [
  {
    name: "GStreamer H.264 + AAC",
    sdp: GSTREAMER_H264_AAC,
    contentBase: "rtsp://127.0.0.1:8600/av/",
    tracks: [
      {
        index: 0,
        kind: "video",
        control: "stream=0",
        url: "rtsp://127.0.0.1:8600/av/stream=0",
        payloadType: 96,
        encoding: "H264",
        codec: "H264",
        clockRate: 90000,
        parameters: {
          "packetization-mode": "1",
          "sprop-parameter-sets": "Z2QADay0Cg/YCIAAAAMAgAAAGQeKFVA=,aO8Pyw==",
          "profile-level-id": "64000d",
          "level-asymmetry-allowed": "1"
        },
        framerate: 25
      },
      {
        index: 1,
        kind: "audio",
        control: "stream=1",
        url: "rtsp://127.0.0.1:8600/av/stream=1",
        payloadType: 97,
        encoding: "MPEG4-GENERIC",
        codec: "AAC",
        clockRate: 48000,
        channels: 1,
        parameters: {
          streamtype: "5",
          "profile-level-id": "2",
          mode: "AAC-hbr",
          config: "118856e500",
          sizelength: "13",
          indexlength: "3",
          indexdeltalength: "3"
        }
      }
    ],
    selections: [
      { selector: "video", expected: [0] },
      { selector: "audio", expected: [1] },
      { selector: "all", expected: [0, 1] },
      { selector: { control: "stream=1" }, expected: [1] },
      { selector: { control: "rtsp://127.0.0.1:8600/av/stream=0" }, expected: [0] },
      { selector: { control: "stream=2" }, expected: `SDP has no track with control "stream=2" (${GSTREAMER_H264_TRACKS})` },
      // A control is matched as written: "stream=0" is not "/stream=0".
      { selector: { control: "/stream=0" }, expected: `SDP has no track with control "/stream=0" (${GSTREAMER_H264_TRACKS})` }
    ]
  },
  {
    name: "GStreamer H.265 + Opus",
    sdp: GSTREAMER_H265_OPUS,
    contentBase: "rtsp://127.0.0.1:8600/hevc/",
    tracks: [
      {
        index: 0,
        kind: "video",
        control: "stream=0",
        url: "rtsp://127.0.0.1:8600/hevc/stream=0",
        payloadType: 96,
        encoding: "H265",
        codec: "H265",
        clockRate: 90000,
        parameters: {
          "sprop-vps": "QAEMAf//AWAAAAMAkAAAAwAAAwA8ugJA",
          "sprop-sps": "QgEBAWAAAAMAkAAAAwAAAwA8oAoIDxZbqSTK8BaAgAAAAwCAAAAMhA==",
          "sprop-pps": "RAHBcrRiQA=="
        },
        framerate: 25
      },
      {
        index: 1,
        kind: "audio",
        control: "stream=1",
        url: "rtsp://127.0.0.1:8600/hevc/stream=1",
        payloadType: 97,
        encoding: "OPUS",
        codec: "OPUS",
        clockRate: 48000,
        channels: 2,
        parameters: { "sprop-stereo": "0" }
      }
    ],
    selections: [
      { selector: "audio", expected: [1] },
      { selector: "all", expected: [0, 1] },
      { selector: { control: "rtsp://127.0.0.1:8600/hevc/stream=1" }, expected: [1] }
    ]
  },
  {
    name: "our server: static type 26 with its rtpmap",
    sdp: OURS,
    contentBase: "rtsp://127.0.0.1:8554/movie.Mjpeg",
    tracks: [
      {
        index: 0,
        kind: "video",
        control: "streamid=0",
        url: "rtsp://127.0.0.1:8554/movie.Mjpeg/streamid=0",
        payloadType: 26,
        encoding: "JPEG",
        codec: "JPEG",
        clockRate: 90000,
        parameters: {},
        framerate: 20
      }
    ],
    selections: [
      { selector: "video", expected: [0] },
      { selector: "all", expected: [0] },
      { selector: "audio", expected: "SDP has no audio track (its tracks: video JPEG (streamid=0))" }
    ]
  },
  {
    name: "our server: dynamic type 96 mapped to JPEG",
    sdp: OURS_DYNAMIC,
    contentBase: "rtsp://h/live/",
    tracks: [
      {
        index: 0,
        kind: "video",
        control: "trackID=0",
        url: "rtsp://h/live/trackID=0",
        payloadType: 96,
        encoding: "JPEG",
        codec: "JPEG",
        clockRate: 90000,
        parameters: {},
        framerate: 25
      }
    ],
    selections: [{ selector: { control: "trackID=0" }, expected: [0] }]
  },
  {
    name: "a camera: absolute controls, mixed-case fmtp names, PCMU with an rtpmap",
    sdp: CAMERA,
    contentBase: "rtsp://192.168.1.64:554/Streaming/Channels/101/",
    tracks: [
      {
        index: 0,
        kind: "video",
        control: "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1",
        url: "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1",
        payloadType: 96,
        encoding: "H264",
        codec: "H264",
        clockRate: 90000,
        parameters: {
          "profile-level-id": "4d401e",
          "packetization-mode": "1",
          "sprop-parameter-sets": "Z01AHuygUhfxEmAiAAADAAIAAAMAZB4sWyw=,aO48gA=="
        }
      },
      {
        index: 1,
        kind: "audio",
        control: "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=2",
        url: "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=2",
        payloadType: 0,
        encoding: "PCMU",
        codec: "PCMU",
        clockRate: 8000,
        parameters: {}
      }
    ],
    selections: [
      { selector: "audio", expected: [1] },
      { selector: { control: "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=2" }, expected: [1] },
      {
        selector: { control: "trackID=3" },
        expected: "SDP has no track with control \"trackID=3\" (its tracks: video H264 (rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1), " +
          "audio PCMU (rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=2))"
      }
    ]
  },
  {
    name: "static types without rtpmaps, an unknown codec, a type with no rtpmap, and lines that are not tracks",
    sdp: STATIC_AND_OTHERS,
    contentBase: "rtsp://10.0.0.9/live",
    tracks: [
      {
        index: 0,
        kind: "audio",
        control: "trackID=0",
        url: "rtsp://10.0.0.9/live/trackID=0",
        payloadType: 0,
        encoding: "PCMU",
        codec: "PCMU",
        clockRate: 8000,
        channels: 1,
        parameters: {}
      },
      // The first format is the one a receiver gets.
      {
        index: 1,
        kind: "audio",
        control: "trackID=1",
        url: "rtsp://10.0.0.9/live/trackID=1",
        payloadType: 8,
        encoding: "PCMA",
        codec: "PCMA",
        clockRate: 8000,
        channels: 1,
        parameters: {}
      },
      // Media line 2 ("udp wb") is not RTP and has no payload type: left out, and its index with it.
      {
        index: 3,
        kind: "video",
        control: "trackID=2",
        url: "rtsp://10.0.0.9/live/trackID=2",
        payloadType: 26,
        encoding: "JPEG",
        codec: "JPEG",
        clockRate: 90000,
        parameters: {}
      },
      {
        index: 4,
        kind: "video",
        control: "trackID=3",
        url: "rtsp://10.0.0.9/live/trackID=3",
        payloadType: 98,
        encoding: "VP8",
        codec: "other",
        clockRate: 90000,
        parameters: {}
      },
      // Media line 5 is UDP, not RTP, even with a numeric format. Line 6: no rtpmap, no control.
      {
        index: 6,
        kind: "application",
        control: "",
        url: "rtsp://10.0.0.9/live",
        payloadType: 107,
        encoding: "payload type 107",
        codec: "other",
        clockRate: 90000,
        parameters: { foo: "Bar" }
      }
    ],
    selections: [
      { selector: "audio", expected: [0] },
      { selector: "video", expected: [3] },
      { selector: "all", expected: [0, 1, 3, 4, 6] },
      { selector: { control: "trackID=3" }, expected: [4] },
      { selector: { control: "rtsp://10.0.0.9/live/trackID=1" }, expected: [1] },
      {
        selector: { control: "trackID=9" },
        expected: "SDP has no track with control \"trackID=9\" (its tracks: audio PCMU (trackID=0), audio PCMA (trackID=1), " +
          "video JPEG (trackID=2), video VP8 (trackID=3), application payload type 107)"
      }
    ]
  },
  {
    name: "no RTP track at all",
    sdp: NO_TRACKS,
    contentBase: "rtsp://10.0.0.9/x",
    tracks: [],
    selections: [
      { selector: "all", expected: "SDP has no RTP track" },
      { selector: "video", expected: "SDP has no video track (its tracks: none)" },
      { selector: { control: "*" }, expected: "SDP has no track with control \"*\" (its tracks: none)" }
    ]
  }
]

const tracksOf = (v: TracksVector): ReadonlyArray<TrackDescription> => describeTracks(parsed(v.sdp), v.contentBase)

/** The selection as the table writes it: indexes picked, or the message. */
const selection = (tracks: ReadonlyArray<TrackDescription>, selector: TrackSelector): ReadonlyArray<number> | string =>
  Either.match(selectTracks(tracks, selector), { onLeft: (message) => message, onRight: (picked) => picked.map((t) => t.index) })

describe("describeTracks", () => {
  it.each(TRACK_VECTORS)("$name", (v) => {
    expect(tracksOf(v).map(record)).toStrictEqual(v.tracks)
  })
})

describe("selectTracks", () => {
  const cases = TRACK_VECTORS.flatMap((v) => v.selections.map((s) => ({ ...s, vector: v, label: `${v.name}: ${JSON.stringify(s.selector)}` })))
  it.each(cases)("$label", ({ vector, selector, expected }) => {
    expect(selection(tracksOf(vector), selector)).toStrictEqual(expected)
  })

  it("a picked track is the described one itself, and the first of its kind", () => {
    const tracks = tracksOf(TRACK_VECTORS[5]!)
    const audio = selectTracks(tracks, "audio")
    expect(Either.isRight(audio) && audio.right[0]).toBe(tracks[0])
  })
})

describe("parseTrackSelector", () => {
  it.each([
    { text: "video", expected: "video" },
    { text: "audio", expected: "audio" },
    { text: "all", expected: "all" },
    { text: "  audio\t", expected: "audio" },
    { text: "stream=1", expected: { control: "stream=1" } },
    { text: " trackID=2 ", expected: { control: "trackID=2" } },
    // The keywords are lower case; anything else is a control.
    { text: "Video", expected: { control: "Video" } },
    { text: "rtsp://h/av/stream=0", expected: { control: "rtsp://h/av/stream=0" } }
  ] satisfies ReadonlyArray<{ readonly text: string; readonly expected: TrackSelector }>)("$text", ({ text, expected }) => {
    expect(parseTrackSelector(text)).toStrictEqual(expected)
  })
})

describe("parseFormatParameters", () => {
  it.each([
    { text: "", expected: {} },
    { text: "packetization-mode=1", expected: { "packetization-mode": "1" } },
    // Values keep their base64 padding and their case; only the names are lower-cased.
    { text: "Sprop-Parameter-Sets=Z2Q=,aO8Pyw==;Mode=AAC-hbr", expected: { "sprop-parameter-sets": "Z2Q=,aO8Pyw==", mode: "AAC-hbr" } },
    { text: " a = 1 ;; b=2; ", expected: { a: "1", b: "2" } },
    // A name without a value (a flag), and a name given twice: the last one counts.
    { text: "flag;x=1;x=2", expected: { flag: "", x: "2" } },
    { text: "=orphan;y=", expected: { y: "" } }
  ])("$text", ({ text, expected }) => {
    expect(Object.fromEntries(parseFormatParameters(text))).toStrictEqual(expected)
  })
})

// ---------------------------------------------------------------------------
// Properties, seeded from the table
// ---------------------------------------------------------------------------

describe("sdpTracks properties", () => {
  const withTracks = TRACK_VECTORS.filter((v) => v.tracks.length > 0)

  it("every track of every vector is picked by its control and by its URL, and listed when a control is unknown", () => {
    fc.assert(
      fc.property(fc.constantFrom(...withTracks), fc.nat(), fc.stringMatching(/^[a-z]{1,8}=[0-9]{2,4}$/), (v, pick, unknown) => {
        const tracks = tracksOf(v)
        const track = tracks[pick % tracks.length]!
        const first = (by: (t: TrackDescription) => boolean) => tracks.find(by)?.index
        if (track.control !== "") expect(selection(tracks, parseTrackSelector(track.control))).toStrictEqual([first((t) => t.control === track.control)])
        expect(selection(tracks, { control: track.url })).toStrictEqual([first((t) => t.control === track.url || t.url === track.url)])
        expect(selection(tracks, track.kind === "video" || track.kind === "audio" ? track.kind : "all")).toContain(first((t) => t.kind === track.kind))
        if (tracks.every((t) => t.control !== unknown && t.url !== unknown)) {
          const message = selection(tracks, { control: unknown })
          expect(typeof message).toBe("string")
          for (const t of tracks) expect(message).toContain(`${t.kind} ${t.encoding}`)
        }
      }),
      { numRuns: 300 }
    )
  })

  it("LF or CRLF line ends and the encoding name's case change no track but its encoding's spelling", () => {
    const mixedCase = (text: string, flips: ReadonlyArray<boolean>) =>
      [...text].map((c, i) => (flips[i % flips.length] ? c.toLowerCase() : c.toUpperCase())).join("")
    fc.assert(
      fc.property(fc.constantFrom(...TRACK_VECTORS), fc.constantFrom("\r\n", "\n"), fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), (v, eol, flips) => {
        const text = v.sdp
          .split("\r\n")
          .map((line) => line.replace(/^(a=rtpmap:\d+ )([^/]+)/, (_, head: string, encoding: string) => `${head}${mixedCase(encoding, flips)}`))
          .join(eol)
        const tracks = describeTracks(parsed(text), v.contentBase).map(record)
        expect(tracks.map((t) => ({ ...t, encoding: t.encoding.toUpperCase() }))).toStrictEqual(v.tracks.map((t) => ({ ...t, encoding: t.encoding.toUpperCase() })))
      }),
      { numRuns: 200 }
    )
  })

  it("fmtp parameters written with any spacing and any case of their names come back with lower-cased names", () => {
    const tableEntries = TRACK_VECTORS.flatMap((v) => v.tracks.flatMap((t) => Object.entries(t.parameters)))
    const entry = fc.oneof(
      fc.constantFrom(...tableEntries),
      fc.tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), fc.stringMatching(/^[A-Za-z0-9+/,.-]{0,24}={0,2}$/))
    )
    const space = fc.constantFrom("", " ", "  ", "\t")
    fc.assert(
      fc.property(
        fc.uniqueArray(entry, { selector: ([name]) => name, maxLength: 8 }),
        fc.array(fc.tuple(space, space, fc.boolean()), { minLength: 8, maxLength: 8 }),
        fc.boolean(),
        (entries, spacing, trailing) => {
          const text = entries
            .map(([name, value], i) => {
              const [before, after, upper] = spacing[i]!
              return `${before}${upper ? name.toUpperCase() : name}=${value}${after}`
            })
            .join(";") + (trailing ? ";" : "")
          expect(Object.fromEntries(parseFormatParameters(text))).toStrictEqual(Object.fromEntries(entries))
        }
      ),
      { numRuns: 300 }
    )
  })
})
