import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { readFileSync } from "node:fs"
import { fpsFromComments } from "../../src/media/analyze.js"
import { parseJpeg } from "../../src/protocol/jpeg/markers.js"
import { formatFps, fpsCommentSegment, withFpsComment } from "../../src/video/fpsComment.js"

const jpeg = readFileSync(new URL("../fixtures/jpeg/baseline-420.jpg", import.meta.url))

describe("fps comment", () => {
  it.each([
    [20, "20"],
    [29.97002997, "29.97"],
    [0.5, "0.5"]
  ])("formats %d as %s", (fps, text) => {
    expect(formatFps(fps)).toBe(text)
  })

  it("is a COM segment with the right length", () => {
    const segment = fpsCommentSegment(20)
    expect([...segment.subarray(0, 2)]).toEqual([0xff, 0xfe])
    expect(segment.readUInt16BE(2)).toBe(segment.length - 2)
    expect(segment.subarray(4).toString("latin1")).toBe("effect-rtsp:fps=20")
  })

  it.each([20, 25, 29.97, 1])("goes right after SOI and the media reader finds fps=%d", (fps) => {
    const marked = withFpsComment(jpeg, fps)
    expect([...marked.subarray(0, 4)]).toEqual([0xff, 0xd8, 0xff, 0xfe])
    expect(marked.length).toBe(jpeg.length + fpsCommentSegment(fps).length)
    const info = parseJpeg(marked)
    expect(Either.isRight(info)).toBe(true)
    if (Either.isRight(info)) expect(fpsFromComments(info.right.comments)).toBe(fps)
  })
})
