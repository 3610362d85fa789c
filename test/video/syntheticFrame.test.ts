import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { renderSvg } from "../../src/video/rawFrame.js"
import { digitRects, numberRects } from "../../src/video/sevenSegment.js"
import { frameLabel, syntheticFrameSvg } from "../../src/video/syntheticFrame.js"

const size = { width: 384, height: 288 }

describe("seven-segment digits", () => {
  it.each([
    ["0", 6], ["1", 2], ["2", 5], ["3", 5], ["4", 4], ["5", 5], ["6", 6], ["7", 3], ["8", 7], ["9", 6]
  ])("%s lights %i segments", (digit, segments) => {
    expect(digitRects(digit, 0, 0, 100)).toHaveLength(segments)
  })

  it("keeps every segment inside the digit's box", () => {
    for (const r of digitRects("8", 10, 20, 100)) {
      expect(r.x).toBeGreaterThanOrEqual(10)
      expect(r.y).toBeGreaterThanOrEqual(20)
      expect(r.x + r.width).toBeLessThanOrEqual(10 + 55 + 1e-9)
      expect(r.y + r.height).toBeLessThanOrEqual(120 + 1e-9)
    }
  })

  it("lays digits out left to right", () => {
    const rects = numberRects("11", 0, 0, 100)
    expect(rects).toHaveLength(4)
    expect(rects[2]!.x).toBeGreaterThan(rects[0]!.x + 50)
  })
})

describe("syntheticFrameSvg", () => {
  it("pads the label to the width of the last frame number", () => {
    expect(frameLabel(7, 200)).toBe("007")
    expect(frameLabel(7, 10)).toBe("7")
    expect(frameLabel(0, 1)).toBe("0")
  })

  it("uses rectangles only, no text (no fonts needed)", () => {
    const svg = syntheticFrameSvg({ index: 5, frameCount: 200, size })
    expect(svg).not.toContain("<text")
    expect(svg).toContain(`width="384" height="288"`)
  })

  it.live("renders frames of the requested size that differ from each other", () =>
    Effect.gen(function*() {
      const frames = yield* Effect.forEach([0, 1, 2, 100], (index) => renderSvg(syntheticFrameSvg({ index, frameCount: 200, size }), size))
      for (const frame of frames) {
        expect(frame.width).toBe(384)
        expect(frame.height).toBe(288)
        expect(frame.data.length).toBe(384 * 288 * 3)
      }
      for (let i = 0; i < frames.length; i++) {
        for (let j = i + 1; j < frames.length; j++) {
          expect(frames[i]!.data.equals(frames[j]!.data)).toBe(false)
        }
      }
    }))

  it.live("draws the frame number in bright segments over a darker picture", () =>
    Effect.gen(function*() {
      const frame = yield* renderSvg(syntheticFrameSvg({ index: 8, frameCount: 10, size }), size)
      const luma = (x: number, y: number): number => {
        const at = (y * 384 + x) * 3
        return (frame.data[at]! + frame.data[at + 1]! + frame.data[at + 2]!) / 3
      }
      // The single digit "8" is centred: its middle bar (segment g) crosses the centre of the picture area.
      expect(luma(192, 136)).toBeGreaterThan(230)
      expect(luma(192, 100)).toBeLessThan(150)
    }))
})
