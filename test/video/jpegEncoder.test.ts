import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { parseJpeg } from "../../src/protocol/jpeg/markers.js"
import { toRfc2435Frame } from "../../src/protocol/jpeg/rfc2435Frame.js"
import { encodeJpeg, encodeJpegWithin } from "../../src/video/jpegEncoder.js"
import { noise } from "./helpers.js"

const frame = (width: number, height: number, seed = 1) => ({ width, height, data: noise(width, height, seed) })

describe("encodeJpeg", () => {
  it.live("makes baseline 4:2:0 JPEG with the standard Huffman tables (RFC 2435 can carry it)", () =>
    Effect.gen(function*() {
      for (const quality of [10, 50, 75, 90, 100]) {
        const jpeg = yield* encodeJpeg(frame(64, 48), quality)
        const info = parseJpeg(jpeg)
        if (Either.isLeft(info)) throw info.left
        expect(info.right.frame.marker).toBe(0xc0)
        expect(info.right.frame.components.map((c) => `${c.horizontalSampling}x${c.verticalSampling}`)).toEqual(["2x2", "1x1", "1x1"])
        const rfc = toRfc2435Frame(jpeg, info.right)
        expect(Either.isRight(rfc) ? "ok" : rfc.left).toBe("ok")
        if (Either.isRight(rfc)) expect(rfc.right.type).toBe(1)
      }
    }))
})

describe("encodeJpegWithin", () => {
  it.live("keeps the requested quality when the frame fits", () =>
    Effect.gen(function*() {
      const result = yield* encodeJpegWithin(frame(64, 48), 80, 1_000_000, "frame 0")
      expect(result.quality).toBe(80)
    }))

  it.live("lowers the quality just enough to fit the limit", () =>
    Effect.gen(function*() {
      const big = frame(320, 240)
      const full = yield* encodeJpeg(big, 75)
      expect(full.length).toBeGreaterThan(20_468)
      const result = yield* encodeJpegWithin(big, 75, 20_468, "frame 0")
      expect(result.jpeg.length).toBeLessThanOrEqual(20_468)
      expect(result.quality).toBeLessThan(75)
      expect(result.quality).toBeGreaterThanOrEqual(10)
      // One step up no longer fits: the search found the best quality, not just any.
      const above = yield* encodeJpeg(big, result.quality + 1)
      expect(above.length).toBeGreaterThan(20_468)
    }))

  it.live("fails with FrameTooLarge when even quality 10 does not fit", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(encodeJpegWithin(frame(640, 480), 75, 20_468, "frame 3"))
      expect(error.reason).toBe("FrameTooLarge")
      expect(error.message).toMatch(/^frame 3 is \d+ bytes even at quality 10; the limit is 20468 bytes/)
    }))
})
