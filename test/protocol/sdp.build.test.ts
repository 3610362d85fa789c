/** buildMjpegSdp: the exact MJPEG description the server sends, odd input, and parsing it back. */
import { describe, expect, it } from "@effect/vitest"
import { buildMjpegSdp } from "../../src/protocol/sdp.js"
import { parsed } from "./sdpKit.js"

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

  it("a live channel's description is open-ended from now (RFC 2326 C.1.5), whatever the file's length", () => {
    const text = buildMjpegSdp({ sessionId: "1", name: "live", control: "streamid=0", fps: 20, durationSeconds: 10, live: true })
    expect(text.split("\r\n")).toContain("a=range:npt=now-")
    expect(parsed(text).range).toMatchObject({ _tag: "Npt", start: "now" })
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
