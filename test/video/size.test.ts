import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { parseSize, roundToServable, servableSizeProblem } from "../../src/video/size.js"

describe("parseSize", () => {
  it.each([
    ["384x288", { width: 384, height: 288 }],
    ["640X480", { width: 640, height: 480 }],
    [" 16 x 8 ", { width: 16, height: 8 }]
  ])("%s", (text, expected) => {
    expect(parseSize(text)).toEqual(Either.right(expected))
  })

  it.each(["", "384", "384x", "x288", "384*288", "-8x8", "1.5x8"])("refuses %j", (text) => {
    expect(Either.isLeft(parseSize(text))).toBe(true)
  })
})

describe("servableSizeProblem", () => {
  it.each([
    [{ width: 384, height: 288 }, undefined],
    [{ width: 2040, height: 8 }, undefined],
    [{ width: 100, height: 96 }, "multiples of 8"],
    [{ width: 2048, height: 96 }, "at most 2040"],
    [{ width: 0, height: 96 }, "positive"]
  ])("%j", (size, expected) => {
    const problem = servableSizeProblem(size)
    if (expected === undefined) expect(problem).toBeUndefined()
    else expect(problem).toContain(expected)
  })
})

describe("roundToServable", () => {
  it.each([
    [{ width: 322, height: 242 }, { width: 320, height: 240 }],
    [{ width: 3840, height: 2160 }, { width: 2040, height: 1144 }],
    [{ width: 1080, height: 4000 }, { width: 544, height: 2040 }],
    [{ width: 3, height: 3 }, { width: 8, height: 8 }]
  ])("%j -> %j", (size, expected) => {
    expect(roundToServable(size)).toEqual(expected)
  })

  it("always gives a servable size", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20000 }), fc.integer({ min: 1, max: 20000 }), (width, height) => {
        expect(servableSizeProblem(roundToServable({ width, height }))).toBeUndefined()
      }),
      { numRuns: 300 }
    )
  })
})
