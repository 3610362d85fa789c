/**
 * The H.265 SPS reader against SPS NAL units that ffmpeg's libx265 wrote (ffmpeg -f lavfi -i
 * testsrc=size=WxH -c:v libx265 -f hevc, the SPS taken from the byte stream), checked against
 * what ffprobe says of the same files (profile, level, size, pixel format), and against broken ones.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { parseH265Sps } from "../../../src/protocol/h265/sps.js"

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex")

export const H265_SPS_VECTORS = [
  {
    name: "libx265 Main 320x240, level 2",
    sps: "42010101600000030090000003000003003ca00a080f165959a4932bc05a020000030002000003003210",
    expected: { profile: "Main", tier: "Main", levelIdc: 60, level: "2", chromaFormatIdc: 1, bitDepthLuma: 8, width: 320, height: 240 }
  },
  {
    name: "libx265 Main 1920x1080 (coded 1088, conformance window), level 4",
    sps: "420101016000000300900000030000030078a003c08010e596566924caf0168080000003008000000c84",
    expected: { profile: "Main", tier: "Main", levelIdc: 120, level: "4", chromaFormatIdc: 1, bitDepthLuma: 8, width: 1920, height: 1080 }
  },
  {
    name: "libx265 Main 642x362 (window on both axes), level 2.1",
    sps: "42010101600000030090000003000003003fa005120171c9265959a4932bc05a020000030002000003003210",
    expected: { profile: "Main", tier: "Main", levelIdc: 63, level: "2.1", chromaFormatIdc: 1, bitDepthLuma: 8, width: 642, height: 362 }
  },
  {
    name: "libx265 Main 10 352x288, level 2",
    sps: "42010102200000030090000003000003003ca00b080484d96566924caf016808000003000800000300c840",
    expected: { profile: "Main 10", tier: "Main", levelIdc: 60, level: "2", chromaFormatIdc: 1, bitDepthLuma: 10, bitDepthChroma: 10, width: 352, height: 288 }
  }
] as const

describe("H.265 SPS", () => {
  it.each(H265_SPS_VECTORS)("$name", ({ sps, expected }) => {
    const parsed = parseH265Sps(hex(sps))
    expect(Either.isRight(parsed) ? parsed.right : parsed.left).toMatchObject(expected)
  })

  it.each([
    { name: "one byte", bytes: "42", reason: "NotSps" },
    { name: "a VPS", bytes: "40010c01", reason: "NotSps" },
    { name: "an SPS cut inside profile_tier_level", bytes: "4201 0101600000", reason: "Truncated" },
    { name: "an SPS cut before its bit depths", bytes: H265_SPS_VECTORS[0].sps.slice(0, 44), reason: "Truncated" }
  ])("refuses $name ($reason)", ({ bytes, reason }) => {
    const parsed = parseH265Sps(hex(bytes))
    expect(Either.isLeft(parsed) ? parsed.left.reason : "parsed").toBe(reason)
    if (Either.isLeft(parsed)) expect(parsed.left.message.length).toBeGreaterThan(10)
  })

  it("never throws on arbitrary bytes after an SPS header, and a size it gives is positive", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (body) => {
        const parsed = parseH265Sps(Buffer.concat([Buffer.from([0x42, 0x01]), Buffer.from(body)]))
        if (Either.isRight(parsed)) expect(parsed.right.width > 0 && parsed.right.height > 0).toBe(true)
      }),
      { numRuns: 1000 }
    )
  })
})
