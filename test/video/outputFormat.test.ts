import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { containerForPath, frameByteLimit } from "../../src/video/outputFormat.js"

describe("containerForPath", () => {
  it.each([
    ["video/movie.Mjpeg", "lab"],
    ["a.mjpeg", "raw"],
    ["a.mjpg", "raw"],
    ["A.MJPG", "raw"]
  ])("%s -> %s", (path, container) => {
    expect(containerForPath(path)).toEqual(Either.right(container))
  })

  it.each(["a.avi", "a", "a.Mjpeg.png"])("refuses %s", (path) => {
    expect(Either.isLeft(containerForPath(path))).toBe(true)
  })
})

describe("frameByteLimit", () => {
  it.each([
    ["lab", false, 99_999],
    ["raw", false, undefined],
    ["lab", true, 20_468],
    ["raw", true, 20_468]
  ] as const)("%s classic=%s -> %s", (container, classic, limit) => {
    expect(frameByteLimit(container, classic)).toBe(limit)
  })
})
