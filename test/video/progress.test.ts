import { describe, expect, it } from "@effect/vitest"
import { progressLine } from "../../src/video/progress.js"

const linesFor = (total: number | undefined, frames: number): ReadonlyArray<string> =>
  Array.from({ length: frames }, (_, i) => progressLine("convert", i + 1, total)).filter((l): l is string => l !== undefined)

describe("progressLine", () => {
  it("says nothing for short runs", () => {
    expect(linesFor(200, 200)).toEqual([])
  })

  it("reports every 10% of a long run, not the last frame", () => {
    const lines = linesFor(1000, 1000)
    expect(lines).toHaveLength(9)
    expect(lines[0]).toBe("convert: 100/1000 frames (10%)")
    expect(lines[8]).toBe("convert: 900/1000 frames (90%)")
  })

  it("reports every 100 frames when the total is unknown", () => {
    expect(linesFor(undefined, 250)).toEqual(["convert: 100 frames", "convert: 200 frames"])
  })
})
