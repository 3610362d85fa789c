/** SDP property tests: parseSdp never throws, and buildMjpegSdp output parses back to its options. */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { buildMjpegSdp, parseSdp } from "../../src/protocol/sdp.js"
import { mediaAt, parsed } from "./sdpKit.js"

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
