import { describe, expect, it } from "@effect/vitest"
import {
  formatProblem,
  formatProblems,
  mediaProblem,
  type MediaProblemCode,
  problemsFor,
  type ProblemScope,
  scopeOf
} from "../../src/media/problems.js"

describe("scopeOf", () => {
  const cases: ReadonlyArray<readonly [MediaProblemCode, ProblemScope]> = [
    ["Empty", "both"],
    ["BadLengthPrefix", "both"],
    ["PartialLengthPrefix", "both"],
    ["TruncatedFrame", "both"],
    ["NotJpeg", "both"],
    ["BadJpeg", "both"],
    ["InconsistentDimensions", "both"],
    ["FrameTooLargeForLabFormat", "both"],
    ["NotBaseline", "standard"],
    ["Precision", "standard"],
    ["ComponentCount", "standard"],
    ["Sampling", "standard"],
    ["Dimensions", "standard"],
    ["QuantTables", "standard"],
    ["HuffmanTables", "standard"],
    ["Scan", "standard"],
    ["TooLargeForClassic", "classic"],
    ["TooLargeForDatagram", "classic"]
  ]
  it.each(cases)("%s affects %s", (code, scope) => {
    expect(scopeOf(code)).toBe(scope)
    expect(mediaProblem(code, 0, "x").affects).toBe(scope)
  })
})

describe("formatProblem", () => {
  it("names file, frame and byte", () => {
    const p = mediaProblem("NotBaseline", 302114, "progressive JPEG; only baseline (SOF0) can be sent", 17)
    expect(formatProblem("movie.Mjpeg", p)).toBe("movie.Mjpeg: frame 17 at byte 302114: progressive JPEG; only baseline (SOF0) can be sent")
  })

  it("leaves the frame out when there is none", () => {
    expect(formatProblem("movie.Mjpeg", mediaProblem("NotJpeg", 40, "2 bytes outside any JPEG"))).toBe(
      "movie.Mjpeg: at byte 40: 2 bytes outside any JPEG"
    )
  })

  it("keeps frame 0", () => {
    expect(formatProblem("m", mediaProblem("Sampling", 5, "s", 0))).toBe("m: frame 0 at byte 5: s")
  })
})

describe("formatProblems", () => {
  const many = [
    ...Array.from({ length: 5 }, (_, i) => mediaProblem("Sampling", 100 * i, "4:4:4", i)),
    mediaProblem("NotJpeg", 7, "junk"),
    mediaProblem("Sampling", 900, "4:4:4", 9)
  ]

  it("lists every problem by default", () => {
    expect(formatProblems("f", many).length).toBe(many.length)
  })

  it("collapses a code seen more than maxPerCode times into one line", () => {
    expect(formatProblems("f", many, { maxPerCode: 2 })).toEqual([
      "f: frame 0 at byte 0: 4:4:4",
      "f: frame 1 at byte 100: 4:4:4",
      "f: at byte 7: junk",
      "f: 4 more Sampling problems (frames 2 to 9)"
    ])
  })
})

describe("problemsFor", () => {
  const problems = [
    mediaProblem("Sampling", 0, "s", 0),
    mediaProblem("TooLargeForClassic", 0, "t", 0),
    mediaProblem("TruncatedFrame", 10, "u", 1)
  ]
  it("keeps what stops each dialect", () => {
    expect(problemsFor(problems, "standard").map((p) => p.code)).toEqual(["Sampling", "TruncatedFrame"])
    expect(problemsFor(problems, "classic").map((p) => p.code)).toEqual(["TooLargeForClassic", "TruncatedFrame"])
  })
})
