import { describe, expect, it } from "@effect/vitest"
import { analyzeMjpeg } from "../../src/media/analyze.js"
import { readFileSync } from "node:fs"
import { infoJson, infoText, verdictExitCode } from "../../src/video/info.js"

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/jpeg/${name}`, import.meta.url))

describe("verdictExitCode", () => {
  it.each([
    [true, true, 0],
    [true, false, 1],
    [false, true, 1],
    [false, false, 2]
  ] as const)("standard=%s classic=%s -> %i", (standard, classic, code) => {
    expect(verdictExitCode({ standard, classic })).toBe(code)
  })
})

describe("info report", () => {
  it("describes a good file", () => {
    const analysis = analyzeMjpeg(Buffer.concat([fixture("baseline-420.jpg"), fixture("baseline-420.jpg")]), { fileName: "good.mjpeg" })
    const text = infoText(analysis, "good.mjpeg").join("\n")
    expect(text).toContain("frames:      2")
    expect(text).toContain("resolution:  64x48")
    expect(text).toContain("sampling:    4:2:0")
    expect(text).toContain("frame rate:  20 fps (default; the file does not say)")
    expect(text).toContain("duration:    0.10 s")
    expect(text).toMatch(/standard dialect.*:\s+servable/)
    expect(text).toMatch(/classic dialect.*:\s+servable/)
    expect(text).not.toContain("problems")
    expect(infoJson(analysis, "good.mjpeg").exitCode).toBe(0)
  })

  it("lists at most 10 problems per code in text, and all of them in JSON", () => {
    const frames = Array.from({ length: 25 }, () => fixture("optimised-420.jpg"))
    const analysis = analyzeMjpeg(Buffer.concat(frames), { fileName: "bad.mjpeg" })
    const lines = infoText(analysis, "bad.mjpeg")
    const problemLines = lines.filter((l) => l.startsWith("  bad.mjpeg:"))
    expect(problemLines.length).toBeLessThanOrEqual(11)
    expect(lines.join("\n")).toMatch(/more HuffmanTables problems/)
    expect(lines.join("\n")).toMatch(/standard dialect.*NOT servable/)
    const json = infoJson(analysis, "bad.mjpeg")
    expect(json.problems.length).toBe(analysis.problems.length)
    expect(json.problems.filter((p) => p.code === "HuffmanTables").length).toBeGreaterThanOrEqual(25)
    expect(json.exitCode).toBe(1)
  })
})
