/** RFC 3550 A.3's fraction lost: the 8-bit fixed-point field, both ways. */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { fractionLostByte, fractionLostRatio } from "../../src/protocol/rtcp.js"

describe("fraction lost", () => {
  it.each([
    [0, 0, 0],
    [100, 0, 0],
    [100, -5, 0], // duplicates make "lost" negative: reported as 0
    [100, 25, 64],
    [100, 50, 128],
    [3, 1, 85],
    [100, 100, 255], // everything lost: 256 does not fit, 255 is the most
    [1, 1, 255]
  ])("expected %i, lost %i → %i", (expected, lost, byte) => {
    expect(fractionLostByte(expected, lost)).toBe(byte)
  })

  it.each([[0, 0], [64, 0.25], [128, 0.5], [255, 255 / 256]])("byte %i is the ratio %d", (byte, ratio) => {
    expect(fractionLostRatio(byte)).toBe(ratio)
  })

  it("is a byte that never overstates the loss", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 0, max: 1e6 }), (expected, lost) => {
      const byte = fractionLostByte(expected, Math.min(lost, expected))
      expect(Number.isInteger(byte) && byte >= 0 && byte <= 255).toBe(true)
      expect(fractionLostRatio(byte)).toBeLessThanOrEqual(Math.min(lost, expected) / expected)
    }))
  })
})
