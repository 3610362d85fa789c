import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import {
  buildMjpegSdp,
  parseSdp,
  resolveControlUrl,
  type MediaDescription,
  type SdpErrorReason,
  type SessionDescription
} from "../../src/protocol/sdp.js"

const crlf = (lines: ReadonlyArray<string>): string => lines.map((l) => `${l}\r\n`).join("")

const parsed = (text: string): SessionDescription => {
  const result = parseSdp(text)
  if (Either.isLeft(result)) throw new Error(`expected SDP to parse: ${result.left.message}`)
  return result.right
}

const mediaAt = (sdp: SessionDescription, index: number): MediaDescription => {
  const media = sdp.media[index]
  if (media === undefined) throw new Error(`no media #${index}`)
  return media
}

// ---------------------------------------------------------------------------
// What real servers send (shapes taken from their DESCRIBE replies).
// ---------------------------------------------------------------------------

const live555H264 = crlf([
  "v=0",
  "o=- 1700000000123456 1 IN IP4 192.168.1.10",
  "s=H.264 Video, streamed by the LIVE555 Media Server",
  "i=test.264",
  "t=0 0",
  "a=tool:LIVE555 Streaming Media v2023.01.19",
  "a=type:broadcast",
  "a=control:*",
  "a=range:npt=0-",
  "a=x-qt-text-nam:H.264 Video, streamed by the LIVE555 Media Server",
  "a=x-qt-text-inf:test.264",
  "m=video 0 RTP/AVP 96",
  "c=IN IP4 0.0.0.0",
  "b=AS:500",
  "a=rtpmap:96 H264/90000",
  "a=fmtp:96 packetization-mode=1;profile-level-id=42C01E;sprop-parameter-sets=Z0LAHtkDxWhAAAADAEAAAAwDxYuS,aMuMsg==",
  "a=control:track1"
])

const live555Mjpeg = crlf([
  "v=0",
  "o=- 1700000000654321 1 IN IP4 10.0.0.5",
  "s=Session streamed by \"testMJPEGVideoServer\"",
  "i=LIVE555 Streaming Media",
  "t=0 0",
  "a=tool:LIVE555 Streaming Media v2023.01.19",
  "a=type:broadcast",
  "a=control:*",
  "a=source-filter: incl IN IP4 * 10.0.0.5",
  "a=rtcp-unicast: reflection",
  "a=range:npt=0-12.345",
  "m=video 0 RTP/AVP 26",
  "c=IN IP4 0.0.0.0",
  "b=AS:1500",
  "a=control:track1"
])

const gortsplib = crlf([
  "v=0",
  "o=- 0 0 IN IP4 127.0.0.1",
  "s=Stream",
  "c=IN IP4 0.0.0.0",
  "t=0 0",
  "m=video 0 RTP/AVP 96",
  "a=control:trackID=0",
  "a=rtpmap:96 H264/90000",
  "a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z2QAKKy0A8ARPy4C1AQEBQAAAwABAAADADKPGDKg,aO48sA==; profile-level-id=640028",
  "m=audio 0 RTP/AVP 97",
  "a=control:trackID=1",
  "a=rtpmap:97 mpeg4-generic/44100/2",
  "a=fmtp:97 config=1210; indexdeltalength=3; indexlength=3; mode=AAC-hbr; profile-level-id=1; sizelength=13; streamtype=5"
])

// GStreamer rtsp-server: absolute control URLs, dynamic JPEG payload type.
const gstreamer = crlf([
  "v=0",
  "o=- 1188340656180883 1 IN IP4 127.0.0.1",
  "s=Session streamed with GStreamer",
  "i=rtsp-server",
  "t=0 0",
  "a=tool:GStreamer",
  "a=type:broadcast",
  "a=range:npt=now-",
  "a=control:rtsp://127.0.0.1:8554/test",
  "m=video 0 RTP/AVP 96",
  "c=IN IP4 0.0.0.0",
  "a=rtpmap:96 JPEG/90000",
  "a=framerate:30",
  "a=ts-refclk:local",
  "a=mediaclk:sender",
  "a=control:rtsp://127.0.0.1:8554/test/stream=0",
  "a=ssrc:1356532612 cname:user3421520101@host-1d52a4ad"
])

// An IP camera: H264 + G.711 audio + ONVIF metadata, absolute controls with a query string,
// vendor attributes, LF line ends and a trailing blank line.
const ipCamera = [
  "v=0",
  "o=- 1109162014219182 1109162014219192 IN IP4 192.168.1.64",
  "s=Media Presentation",
  "e=NONE",
  "b=AS:5100",
  "t=0 0",
  "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/?transportmode=unicast",
  "m=video 0 RTP/AVP 96",
  "c=IN IP4 0.0.0.0",
  "b=AS:5000",
  "a=recvonly",
  "a=x-dimensions:1920,1080",
  "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1?transportmode=unicast",
  "a=rtpmap:96 H264/90000",
  "a=fmtp:96 profile-level-id=420029; packetization-mode=1; sprop-parameter-sets=Z00AKpWoHgCJ+WbgICAoAAADAAgAAAMBlCA=,aO48gA==",
  "m=audio 0 RTP/AVP 0",
  "c=IN IP4 0.0.0.0",
  "b=AS:50",
  "a=recvonly",
  "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=2?transportmode=unicast",
  "a=rtpmap:0 PCMU/8000",
  "a=Media_header:MEDIAINFO=494D4B48010100000400010010710110401F000000FA000000000000000000000000000000000000;",
  "a=appversion:1.0",
  "m=application 0 RTP/AVP 107",
  "c=IN IP4 0.0.0.0",
  "a=control:rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=3?transportmode=unicast",
  "a=rtpmap:107 vnd.onvif.metadata/90000",
  ""
].join("\n")

// A camera that truncates its o= and c= lines (reported against go2rtc); players still play it.
const truncatedOriginCamera = crlf([
  "v=0",
  "o=- 1001 1 IN",
  "s=VCP IPC Realtime stream",
  "m=video 0 RTP/AVP 105",
  "c=IN",
  "a=control:rtsp://192.168.0.60/media/video1/video",
  "a=rtpmap:105 H264/90000",
  "a=fmtp:105 profile-level-id=640032; packetization-mode=1; sprop-parameter-sets=Z2QAMqw7UBQAWtCAAAH0AABhqEI=,aOqPLA==",
  "a=recvonly",
  "m=application 0 RTP/AVP 107",
  "c=IN",
  "a=control:rtsp://192.168.0.60/media/video1/metadata",
  "a=rtpmap:107 vnd.onvif.metadata/90000",
  "a=fmtp:107 DecoderTag=h3c-v3 RTCP=0",
  "a=recvonly"
])

// ffmpeg's own description for an MJPEG stream it publishes (-f rtsp).
const ffmpegMjpeg = crlf([
  "v=0",
  "o=- 0 0 IN IP4 127.0.0.1",
  "s=No Name",
  "c=IN IP4 127.0.0.1",
  "t=0 0",
  "a=tool:libavformat 60.16.100",
  "m=video 0 RTP/AVP 26",
  "a=control:streamid=0"
])

describe("parseSdp on real servers' descriptions", () => {
  it("live555 H.264", () => {
    const sdp = parsed(live555H264)
    expect(sdp.version).toBe(0)
    expect(sdp.origin).toStrictEqual({
      username: "-",
      sessionId: "1700000000123456",
      sessionVersion: "1",
      networkType: "IN",
      addressType: "IP4",
      address: "192.168.1.10"
    })
    expect(sdp.name).toBe("H.264 Video, streamed by the LIVE555 Media Server")
    expect(sdp.information).toBe("test.264")
    expect(sdp.connection).toBeUndefined()
    expect(sdp.control).toBe("*")
    expect(sdp.range).toStrictEqual({ _tag: "Npt", start: 0 })
    expect(sdp.attributes).toContainEqual({ name: "type", value: "broadcast" })
    expect(sdp.attributes).toContainEqual({ name: "x-qt-text-nam", value: "H.264 Video, streamed by the LIVE555 Media Server" })
    expect(sdp.media).toHaveLength(1)
    const video = mediaAt(sdp, 0)
    expect(video).toMatchObject({ kind: "video", port: 0, protocol: "RTP/AVP", formats: [96], control: "track1" })
    expect(video.connection).toStrictEqual({ networkType: "IN", addressType: "IP4", address: "0.0.0.0" })
    expect(video.rtpmaps).toStrictEqual([{ payloadType: 96, encoding: "H264", clockRate: 90000 }])
    expect(video.fmtp.get(96)).toBe(
      "packetization-mode=1;profile-level-id=42C01E;sprop-parameter-sets=Z0LAHtkDxWhAAAADAEAAAAwDxYuS,aMuMsg=="
    )
    expect(video.framerate).toBeUndefined()
  })

  it("live555 MJPEG (static payload type 26, no rtpmap)", () => {
    const sdp = parsed(live555Mjpeg)
    expect(sdp.name).toBe("Session streamed by \"testMJPEGVideoServer\"")
    expect(sdp.range).toStrictEqual({ _tag: "Npt", start: 0, end: 12.345 })
    expect(sdp.attributes).toContainEqual({ name: "source-filter", value: "incl IN IP4 * 10.0.0.5" })
    const video = mediaAt(sdp, 0)
    expect(video.formats).toStrictEqual([26])
    expect(video.rtpmaps).toStrictEqual([])
    expect(video.control).toBe("track1")
    expect(resolveControlUrl("rtsp://10.0.0.5:8554/jpeg/", video.control)).toBe("rtsp://10.0.0.5:8554/jpeg/track1")
  })

  it("gortsplib / mediamtx with H.264 and AAC", () => {
    const sdp = parsed(gortsplib)
    expect(sdp.origin?.sessionId).toBe("0")
    expect(sdp.connection).toStrictEqual({ networkType: "IN", addressType: "IP4", address: "0.0.0.0" })
    expect(sdp.control).toBeUndefined()
    expect(sdp.media.map((m) => m.kind)).toStrictEqual(["video", "audio"])
    const audio = mediaAt(sdp, 1)
    expect(audio.formats).toStrictEqual([97])
    expect(audio.rtpmaps).toStrictEqual([{ payloadType: 97, encoding: "mpeg4-generic", clockRate: 44100, channels: 2 }])
    expect(audio.fmtp.get(97)).toContain("mode=AAC-hbr")
    expect(audio.control).toBe("trackID=1")
    // Attributes of one media section do not leak into another or into the session.
    expect(mediaAt(sdp, 0).control).toBe("trackID=0")
    expect(sdp.attributes).toStrictEqual([])
    expect(resolveControlUrl("rtsp://localhost:8554/mystream/", audio.control)).toBe("rtsp://localhost:8554/mystream/trackID=1")
  })

  it("GStreamer rtsp-server with dynamic JPEG and absolute controls", () => {
    const sdp = parsed(gstreamer)
    expect(sdp.range).toStrictEqual({ _tag: "Npt", start: "now" })
    expect(sdp.control).toBe("rtsp://127.0.0.1:8554/test")
    const video = mediaAt(sdp, 0)
    expect(video.rtpmaps).toStrictEqual([{ payloadType: 96, encoding: "JPEG", clockRate: 90000 }])
    expect(video.framerate).toBe(30)
    expect(video.attributes).toContainEqual({ name: "ssrc", value: "1356532612 cname:user3421520101@host-1d52a4ad" })
    expect(resolveControlUrl("rtsp://127.0.0.1:8554/test/", video.control)).toBe("rtsp://127.0.0.1:8554/test/stream=0")
  })

  it("an IP camera with video, audio and metadata tracks, LF line ends", () => {
    const sdp = parsed(ipCamera)
    expect(sdp.origin?.sessionVersion).toBe("1109162014219192")
    expect(sdp.name).toBe("Media Presentation")
    expect(sdp.media).toHaveLength(3)
    const [video, audio, metadata] = [mediaAt(sdp, 0), mediaAt(sdp, 1), mediaAt(sdp, 2)]
    expect(video.attributes).toContainEqual({ name: "recvonly" })
    expect(video.attributes).toContainEqual({ name: "x-dimensions", value: "1920,1080" })
    expect(video.fmtp.get(96)).toContain("packetization-mode=1")
    expect(audio.formats).toStrictEqual([0])
    expect(audio.rtpmaps).toStrictEqual([{ payloadType: 0, encoding: "PCMU", clockRate: 8000 }])
    expect(audio.control).toBe("rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=2?transportmode=unicast")
    expect(metadata.kind).toBe("application")
    expect(metadata.rtpmaps[0]?.encoding).toBe("vnd.onvif.metadata")
    expect(resolveControlUrl("rtsp://192.168.1.64:554/Streaming/Channels/101/", audio.control)).toBe(
      "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=2?transportmode=unicast"
    )
  })

  it("a camera with truncated o= and c= lines", () => {
    const sdp = parsed(truncatedOriginCamera)
    expect(sdp.origin).toBeUndefined()
    expect(sdp.name).toBe("VCP IPC Realtime stream")
    expect(sdp.media.map((m) => m.connection)).toStrictEqual([undefined, undefined])
    expect(sdp.media.map((m) => m.control)).toStrictEqual([
      "rtsp://192.168.0.60/media/video1/video",
      "rtsp://192.168.0.60/media/video1/metadata"
    ])
    expect(mediaAt(sdp, 1).fmtp.get(107)).toBe("DecoderTag=h3c-v3 RTCP=0")
  })

  it("ffmpeg's MJPEG description", () => {
    const sdp = parsed(ffmpegMjpeg)
    expect(sdp.connection?.address).toBe("127.0.0.1")
    const video = mediaAt(sdp, 0)
    expect(video).toMatchObject({ kind: "video", formats: [26], control: "streamid=0" })
    expect(resolveControlUrl("rtsp://127.0.0.1:8554/movie.Mjpeg", video.control)).toBe("rtsp://127.0.0.1:8554/movie.Mjpeg/streamid=0")
  })

  it("the same description parses alike with CRLF, LF or CR line ends", () => {
    const lf = parsed(gortsplib.replace(/\r\n/g, "\n"))
    const cr = parsed(gortsplib.replace(/\r\n/g, "\r"))
    expect(lf).toStrictEqual(parsed(gortsplib))
    expect(cr).toStrictEqual(parsed(gortsplib))
  })
})

describe("parseSdp tolerance", () => {
  it("skips unknown and malformed lines but keeps going", () => {
    const sdp = parsed(crlf([
      "",
      "v=0",
      "o=broken",
      "s=x",
      "c=IN IP4",
      "this is not an SDP line",
      "X=uppercase types are not SDP",
      "z=0 0",
      "a=flag",
      "a=range:npt=bogus",
      "m=video 0 RTP/AVP 96 97",
      "  a=rtpmap:96 JPEG/90000",
      "a=rtpmap:97 H264",
      "a=rtpmap:200 X/1",
      "a=fmtp:97",
      "a=framerate:29.97",
      "a=control: streamid=0 ",
      "k=clear:secret"
    ]))
    expect(sdp.origin).toBeUndefined()
    expect(sdp.connection).toBeUndefined()
    expect(sdp.range).toBeUndefined()
    expect(sdp.attributes).toStrictEqual([{ name: "flag" }, { name: "range", value: "npt=bogus" }])
    const video = mediaAt(sdp, 0)
    expect(video.formats).toStrictEqual([96, 97])
    expect(video.rtpmaps).toStrictEqual([{ payloadType: 96, encoding: "JPEG", clockRate: 90000 }])
    expect(video.attributes).toHaveLength(6)
    expect(video.fmtp.get(97)).toBe("")
    expect(video.framerate).toBe(29.97)
    expect(video.control).toBe("streamid=0")
  })

  it("reads a port count and keeps non-RTP formats out of the payload types", () => {
    const sdp = parsed("v=0\nm=video 49170/2 RTP/AVP 31\nm=application 9 TCP/BFCP *\nm=application 0 udp wb 5\n")
    expect(mediaAt(sdp, 0)).toMatchObject({ port: 49170, portCount: 2, formats: [31] })
    expect(mediaAt(sdp, 1)).toMatchObject({ protocol: "TCP/BFCP", formats: [] })
    expect(mediaAt(sdp, 2).formats).toStrictEqual([5])
  })

  it("accepts an m= line without formats", () => {
    expect(mediaAt(parsed("v=0\r\nm=video 0 RTP/AVP\r\n"), 0).formats).toStrictEqual([])
  })
})

const sdpErrors: ReadonlyArray<readonly [string, string, SdpErrorReason]> = [
  ["empty", "", "Empty"],
  ["only blank lines", "\r\n\r\n  \n", "Empty"],
  ["no v= line", "o=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\n", "MissingVersion"],
  ["v= not first", "s=x\r\nv=0\r\n", "MissingVersion"],
  ["not SDP at all", "RTSP/1.0 200 OK\r\nCSeq: 2\r\n", "MissingVersion"],
  ["version 1", "v=1\r\ns=x\r\n", "UnsupportedVersion"],
  ["empty version", "v=\r\n", "UnsupportedVersion"],
  ["m= with too few fields", "v=0\r\nm=video 0\r\n", "BadMediaLine"],
  ["m= with only a kind", "v=0\r\nm=video\r\n", "BadMediaLine"],
  ["m= empty", "v=0\r\nm=\r\n", "BadMediaLine"],
  ["m= port not a number", "v=0\r\nm=video abc RTP/AVP 26\r\n", "BadMediaLine"],
  ["m= port too large", "v=0\r\nm=video 65536 RTP/AVP 26\r\n", "BadMediaLine"],
  ["m= payload type not a number", "v=0\r\nm=video 0 RTP/AVP jpeg\r\n", "BadMediaLine"],
  ["m= payload type above 127", "v=0\r\nm=video 0 RTP/AVP 128\r\n", "BadMediaLine"]
]

describe("parseSdp errors", () => {
  it.each(sdpErrors)("%s -> %s", (_name, text, reason) => {
    const result = parseSdp(text)
    expect(Either.isLeft(result) && result.left.reason).toBe(reason)
    expect(Either.isLeft(result) && result.left._tag).toBe("SdpError")
  })

  it("names the offending line", () => {
    const result = parseSdp("v=0\r\ns=x\r\nm=video x RTP/AVP 26\r\n")
    expect(Either.isLeft(result) && result.left.message).toContain("line 3")
  })
})

// ---------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------

describe("buildMjpegSdp", () => {
  it("writes the exact description ffmpeg and GStreamer accept", () => {
    const text = buildMjpegSdp({
      sessionId: "3912345678",
      host: "192.168.1.10",
      name: "movie.Mjpeg",
      control: "streamid=0",
      fps: 20,
      durationSeconds: 25
    })
    expect(text).toBe(
      "v=0\r\n" +
        "o=- 3912345678 1 IN IP4 192.168.1.10\r\n" +
        "s=movie.Mjpeg\r\n" +
        "c=IN IP4 0.0.0.0\r\n" +
        "t=0 0\r\n" +
        "a=control:*\r\n" +
        "a=range:npt=0-25\r\n" +
        "m=video 0 RTP/AVP 26\r\n" +
        "a=rtpmap:26 JPEG/90000\r\n" +
        "a=framerate:20\r\n" +
        "a=control:streamid=0\r\n"
    )
  })

  it("formats fractional values, defaults and odd input safely", () => {
    const text = buildMjpegSdp({
      sessionId: "1",
      sessionVersion: "7",
      name: "",
      control: "trackID=0\r\nm=audio 0 RTP/AVP 0",
      fps: 29.97,
      durationSeconds: 12.3456,
      payloadType: 96
    })
    const lines = text.split("\r\n")
    expect(lines).toContain("o=- 1 7 IN IP4 0.0.0.0")
    expect(lines).toContain("s= ")
    expect(lines).toContain("a=range:npt=0-12.346")
    expect(lines).toContain("m=video 0 RTP/AVP 96")
    expect(lines).toContain("a=rtpmap:96 JPEG/90000")
    expect(lines).toContain("a=framerate:29.97")
    // A control with a line break cannot inject another media section.
    expect(parsed(text).media).toHaveLength(1)
    expect(buildMjpegSdp({ sessionId: "1", name: "live", control: "x", fps: 20, durationSeconds: Number.POSITIVE_INFINITY }))
      .toContain("a=range:npt=0-\r\n")
    expect(buildMjpegSdp({ sessionId: "1", host: "::1", name: "v6", control: "x", fps: 20, durationSeconds: 1 }))
      .toContain("o=- 1 1 IN IP6 ::1\r\n")
  })

  it("parses back to what was built", () => {
    const sdp = parsed(buildMjpegSdp({
      sessionId: "3912345678",
      host: "10.1.2.3",
      name: "movie.Mjpeg",
      control: "streamid=0",
      fps: 20,
      durationSeconds: 25
    }))
    expect(sdp).toStrictEqual({
      version: 0,
      origin: { username: "-", sessionId: "3912345678", sessionVersion: "1", networkType: "IN", addressType: "IP4", address: "10.1.2.3" },
      name: "movie.Mjpeg",
      connection: { networkType: "IN", addressType: "IP4", address: "0.0.0.0" },
      attributes: [{ name: "control", value: "*" }, { name: "range", value: "npt=0-25" }],
      range: { _tag: "Npt", start: 0, end: 25 },
      control: "*",
      media: [{
        kind: "video",
        port: 0,
        protocol: "RTP/AVP",
        formats: [26],
        rtpmaps: [{ payloadType: 26, encoding: "JPEG", clockRate: 90000 }],
        fmtp: new Map(),
        control: "streamid=0",
        framerate: 20,
        attributes: [
          { name: "rtpmap", value: "26 JPEG/90000" },
          { name: "framerate", value: "20" },
          { name: "control", value: "streamid=0" }
        ]
      }]
    })
  })
})

// ---------------------------------------------------------------------------
// Control URLs
// ---------------------------------------------------------------------------

const controlCases: ReadonlyArray<readonly [string, string | undefined, string]> = [
  ["rtsp://h/movie.Mjpeg", "streamid=0", "rtsp://h/movie.Mjpeg/streamid=0"],
  ["rtsp://h/movie.Mjpeg/", "streamid=0", "rtsp://h/movie.Mjpeg/streamid=0"],
  ["rtsp://h:8554/live", "trackID=1", "rtsp://h:8554/live/trackID=1"],
  ["rtsp://h/movie.Mjpeg", "*", "rtsp://h/movie.Mjpeg"],
  ["rtsp://h/movie.Mjpeg", undefined, "rtsp://h/movie.Mjpeg"],
  ["rtsp://h/movie.Mjpeg", "", "rtsp://h/movie.Mjpeg"],
  ["rtsp://h/movie.Mjpeg", " streamid=0 ", "rtsp://h/movie.Mjpeg/streamid=0"],
  ["rtsp://h/a", "rtsp://other:554/b/trackID=1", "rtsp://other:554/b/trackID=1"],
  ["rtsp://h/a", "RTSPS://h/b", "RTSPS://h/b"],
  ["rtsp://user:pw@h:554/a/b", "/c/trackID=2", "rtsp://user:pw@h:554/c/trackID=2"],
  // ffmpeg keeps a query string in the base and appends after it; cameras expect exactly that.
  ["rtsp://h/cam?channel=1", "trackID=1", "rtsp://h/cam?channel=1/trackID=1"]
]

describe("resolveControlUrl", () => {
  it.each(controlCases)("%s + %j -> %s", (base, control, expected) => {
    expect(resolveControlUrl(base, control)).toBe(expected)
  })
})

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

describe("SDP properties", () => {
  it("parseSdp never throws on arbitrary strings", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (s) => {
      parseSdp(s)
      parseSdp(`v=0\r\n${s}`)
    }), { numRuns: 300 })
  })

  it("parseSdp never throws on line soup", () => {
    const line = fc.oneof(
      fc.constantFrom("v=0", "m=video 0 RTP/AVP 26", "a=rtpmap:96 JPEG/90000", "a=control:*", "a=range:npt=0-", "c=IN IP4 0.0.0.0", "o=- 1 1 IN IP4 1.2.3.4"),
      fc.tuple(fc.constantFrom("v", "o", "s", "c", "m", "a", "t", "b"), fc.string({ maxLength: 40 })).map(([t, v]) => `${t}=${v}`)
    )
    fc.assert(fc.property(fc.array(line, { maxLength: 20 }), fc.constantFrom("\r\n", "\n", "\r"), (lines, eol) => {
      parseSdp(lines.join(eol))
    }), { numRuns: 300 })
  })

  it("build then parse returns the options", () => {
    const noBreaks = (s: string) => !/[\r\n]/.test(s)
    const options = fc.record({
      sessionId: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
      host: fc.oneof(fc.ipV4(), fc.ipV6()),
      name: fc.string({ minLength: 1, maxLength: 40 }).filter(noBreaks),
      control: fc.stringMatching(/^[A-Za-z0-9=_\-./]{1,20}$/),
      fps: fc.integer({ min: 1, max: 240_000 }).map((m) => m / 1000),
      durationSeconds: fc.integer({ min: 0, max: 86_400_000 }).map((m) => m / 1000),
      payloadType: fc.constantFrom(26, 96, 127)
    })
    fc.assert(fc.property(options, (o) => {
      const sdp = parsed(buildMjpegSdp(o))
      expect(sdp.origin?.sessionId).toBe(o.sessionId)
      expect(sdp.origin?.address).toBe(o.host)
      expect(sdp.origin?.addressType).toBe(o.host.includes(":") ? "IP6" : "IP4")
      expect(sdp.name).toBe(o.name)
      expect(sdp.control).toBe("*")
      expect(sdp.range).toStrictEqual({ _tag: "Npt", start: 0, end: o.durationSeconds })
      expect(sdp.media).toHaveLength(1)
      const video = mediaAt(sdp, 0)
      expect(video.formats).toStrictEqual([o.payloadType])
      expect(video.rtpmaps).toStrictEqual([{ payloadType: o.payloadType, encoding: "JPEG", clockRate: 90000 }])
      expect(video.framerate).toBe(o.fps)
      expect(video.control).toBe(o.control)
    }), { numRuns: 300 })
  })
})
