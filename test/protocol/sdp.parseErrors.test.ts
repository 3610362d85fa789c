/** parseSdp on broken input: what it tolerates and skips, and the reason it gives for what it refuses. */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { parseSdp, type SdpErrorReason } from "../../src/protocol/sdp.js"
import { crlf, mediaAt, parsed } from "./sdpKit.js"

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
