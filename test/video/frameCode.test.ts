import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import sharp from "sharp"
import {
  cellOrigin,
  FRAME_CODE_CELLS,
  frameCodeCells,
  frameCodeLayout,
  MAX_CODED_FRAMES,
  readFrameNumber
} from "../../src/video/frameCode.js"
import { encodeJpeg } from "../../src/video/jpegEncoder.js"
import { renderSvg } from "../../src/video/rawFrame.js"
import { syntheticFrameSvg } from "../../src/video/syntheticFrame.js"
import { decode } from "./helpers.js"

/** Paints the strip for `n` on a grey picture: the reader must not need anything else. */
const paintStrip = (n: number, width: number, height: number, channels: number): Buffer => {
  const pixels = Buffer.alloc(width * height * channels, 128)
  const layout = frameCodeLayout({ width, height })!
  frameCodeCells(n).forEach((cell, i) => {
    const origin = cellOrigin(layout, i)
    for (let y = origin.y; y < origin.y + layout.cell; y++) {
      for (let x = origin.x; x < origin.x + layout.cell; x++) {
        pixels.fill(cell ? 255 : 0, (y * width + x) * channels, (y * width + x + 1) * channels)
      }
    }
  })
  return pixels
}

describe("frameCodeLayout", () => {
  it.each([
    { width: 384, height: 288, cell: 16, rows: 1, columns: 23, x: 8, y: 272 },
    { width: 128, height: 96, cell: 16, rows: 3, columns: 8, x: 0, y: 48 },
    { width: 192, height: 144, cell: 16, rows: 2, columns: 12, x: 0, y: 112 },
    { width: 1920, height: 1080, cell: 64, rows: 1, columns: 23, x: 224, y: 1016 }
  ])("$width x $height", ({ width, height, ...expected }) => {
    expect(frameCodeLayout({ width, height })).toEqual(expected)
  })

  it("has cells of at least 16 px aligned to the 8x8 DCT grid", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 255 }), fc.integer({ min: 1, max: 255 }), (w8, h8) => {
        const layout = frameCodeLayout({ width: w8 * 8, height: h8 * 8 })
        if (layout === undefined) return
        expect(layout.cell).toBeGreaterThanOrEqual(16)
        expect(layout.cell % 8).toBe(0)
        expect(layout.x % 8).toBe(0)
        expect(layout.y % 8).toBe(0)
        expect(layout.x + layout.columns * layout.cell).toBeLessThanOrEqual(w8 * 8)
        expect(layout.rows * layout.columns).toBeGreaterThanOrEqual(FRAME_CODE_CELLS)
      }),
      { numRuns: 300 }
    )
  })

  it("refuses frames too small for the strip", () => {
    expect(frameCodeLayout({ width: 64, height: 48 })).toBeUndefined()
  })
})

describe("readFrameNumber", () => {
  it("reads back any number from a painted strip, in RGB, RGBA and grey", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_CODED_FRAMES - 1 }), fc.constantFrom(1, 3, 4), (n, channels) => {
        expect(readFrameNumber(paintStrip(n, 384, 288, channels), 384, 288, channels)).toBe(n)
      }),
      { numRuns: 300 }
    )
  })

  it("rejects a strip with a flipped bit (parity), and pictures without a strip", () => {
    const pixels = paintStrip(12345, 384, 288, 3)
    const layout = frameCodeLayout({ width: 384, height: 288 })!
    const bit = cellOrigin(layout, 10)
    const flipTo = pixels[(bit.y * 384 + bit.x) * 3] === 255 ? 0 : 255
    for (let y = bit.y; y < bit.y + 16; y++) pixels.fill(flipTo, (y * 384 + bit.x) * 3, (y * 384 + bit.x + 16) * 3)
    expect(readFrameNumber(pixels, 384, 288, 3)).toBeUndefined()
    expect(readFrameNumber(Buffer.alloc(384 * 288 * 3, 128), 384, 288, 3)).toBeUndefined()
    expect(readFrameNumber(Buffer.alloc(384 * 288 * 3, 0), 384, 288, 3)).toBeUndefined()
  })

  it("never throws on arbitrary bytes and sizes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), fc.integer({ min: -8, max: 400 }), fc.integer({ min: -8, max: 300 }), fc.integer({ min: -1, max: 5 }), (bytes, w, h, c) => {
        const result = readFrameNumber(bytes, w, h, c)
        expect(result === undefined || Number.isInteger(result)).toBe(true)
      }),
      { numRuns: 300 }
    )
  })

  it.live("recovers the number of rendered frames, before and after a JPEG round trip", () =>
    Effect.gen(function*() {
      for (const size of [{ width: 384, height: 288 }, { width: 128, height: 96 }, { width: 640, height: 480 }]) {
        for (const index of [0, 1, 7, 42, 199, 1000, 65535]) {
          const raw = yield* renderSvg(syntheticFrameSvg({ index, frameCount: MAX_CODED_FRAMES, size }), size)
          expect(readFrameNumber(raw.data, raw.width, raw.height, 3)).toBe(index)
          for (const quality of [30, 90]) {
            const decoded = yield* decode(yield* encodeJpeg(raw, quality))
            expect(readFrameNumber(decoded.data, decoded.width, decoded.height, decoded.channels)).toBe(index)
          }
        }
      }
    }))

  it.live("recovers the number from an RGBA PNG", () =>
    Effect.gen(function*() {
      const size = { width: 384, height: 288 }
      const raw = yield* renderSvg(syntheticFrameSvg({ index: 321, frameCount: 400, size }), size)
      const png = yield* Effect.promise(() => sharp(raw.data, { raw: { width: 384, height: 288, channels: 3 } }).ensureAlpha().png().toBuffer())
      const decoded = yield* decode(png)
      expect(decoded.channels).toBe(4)
      expect(readFrameNumber(decoded.data, decoded.width, decoded.height, decoded.channels)).toBe(321)
    }))
})
