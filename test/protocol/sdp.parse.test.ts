/** parseSdp on the descriptions real servers and cameras send (live555, gortsplib, GStreamer, IP cameras, ffmpeg). */
import { describe, expect, it } from "@effect/vitest"
import { resolveControlUrl } from "../../src/protocol/sdp.js"
import { crlf, mediaAt, parsed } from "./sdpKit.js"

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
