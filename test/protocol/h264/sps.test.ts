/**
 * The H.264 SPS reader against SPS NAL units that ffmpeg's libx264 wrote (ffmpeg -f lavfi -i
 * testsrc=size=WxH -c:v libx264 -profile:v P, the SPS taken from the Annex-B stream), emulation
 * prevention bytes included, and against broken ones.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { parseH264Sps } from "../../../src/protocol/h264/sps.js"
import { unescapeRbsp } from "../../../src/protocol/nal/rbsp.js"

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex")

export const SPS_VECTORS = [
  {
    name: "libx264 baseline 320x240",
    sps: "6742c00dd90141fb011000000300100000030320f142a480",
    expected: { profileIdc: 66, profile: "Constrained Baseline", level: "1.3", chromaFormatIdc: 1, bitDepthLuma: 8, frameMbsOnly: true, width: 320, height: 240 }
  },
  {
    name: "libx264 high 1920x1080 (coded as 1088, cropped)",
    sps: "67640028acd940780227e5c044000003000400000300c83c60c658",
    expected: { profileIdc: 100, profile: "High", level: "4", chromaFormatIdc: 1, bitDepthLuma: 8, frameMbsOnly: true, width: 1920, height: 1080 }
  },
  {
    name: "libx264 main 642x362 (cropped on both axes)",
    sps: "674d401eeca05217f1126022000003000200000300641e2c5b2c",
    expected: { profileIdc: 77, profile: "Main", level: "3", chromaFormatIdc: 1, bitDepthLuma: 8, frameMbsOnly: true, width: 642, height: 362 }
  },
  {
    name: "libx264 high 4:4:4 352x288",
    sps: "67f4000d919b282c12d808800000030080000019078a14cb",
    expected: { profileIdc: 244, profile: "High 4:4:4 Predictive", level: "1.3", chromaFormatIdc: 3, bitDepthLuma: 8, frameMbsOnly: true, width: 352, height: 288 }
  }
] as const

describe("H.264 SPS", () => {
  it.each(SPS_VECTORS)("$name", ({ sps, expected }) => {
    const parsed = parseH264Sps(hex(sps))
    expect(Either.isRight(parsed) ? parsed.right : parsed.left).toMatchObject(expected)
  })

  it("takes out emulation prevention bytes (00 00 03), and only those", () => {
    expect(unescapeRbsp(hex("00000301 110003 2200000300")).toString("hex")).toBe("000001" + "110003" + "22000000")
  })

  it.each([
    { name: "an empty NAL unit", bytes: "", reason: "NotSps" },
    { name: "a PPS", bytes: "68ce3c80", reason: "NotSps" },
    { name: "an SPS cut after its level", bytes: "6742c00d", reason: "Truncated" },
    { name: "an SPS cut before its picture size", bytes: SPS_VECTORS[1].sps.slice(0, 14), reason: "Truncated" },
    { name: "an SPS id past 31 (ue 32)", bytes: "6742000d 0420", reason: "OutOfRange" }
  ])("refuses $name ($reason)", ({ bytes, reason }) => {
    const parsed = parseH264Sps(hex(bytes))
    expect(Either.isLeft(parsed) ? parsed.left.reason : "parsed").toBe(reason)
    if (Either.isLeft(parsed)) expect(parsed.left.message.length).toBeGreaterThan(10)
  })

  it("never throws on arbitrary bytes after an SPS header, and a size it gives is positive", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (body) => {
        const parsed = parseH264Sps(Buffer.concat([Buffer.from([0x67]), Buffer.from(body)]))
        if (Either.isRight(parsed)) expect(parsed.right.width > 0 && parsed.right.height > 0).toBe(true)
      }),
      { numRuns: 1000 }
    )
  })
})
