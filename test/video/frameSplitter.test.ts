import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { makeFrameSplitter } from "../../src/video/frameSplitter.js"

describe("makeFrameSplitter", () => {
  it("cuts any chunking of a byte stream into the same frames", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.uint8Array({ maxLength: 600 }),
        fc.array(fc.integer({ min: 1, max: 80 }), { maxLength: 40 }),
        (frameBytes, bytes, cuts) => {
          const splitter = makeFrameSplitter(frameBytes)
          const frames: Array<Buffer> = []
          let at = 0
          for (const cut of cuts) {
            frames.push(...splitter.push(bytes.subarray(at, at + cut)))
            at = Math.min(bytes.length, at + cut)
          }
          frames.push(...splitter.push(bytes.subarray(at)))
          const whole = Math.floor(bytes.length / frameBytes)
          expect(frames).toHaveLength(whole)
          frames.forEach((frame, i) => expect([...frame]).toEqual([...bytes.subarray(i * frameBytes, (i + 1) * frameBytes)]))
          expect(splitter.pending()).toBe(bytes.length - whole * frameBytes)
        }
      ),
      { numRuns: 300 }
    )
  })

  it("hands out frames that later chunks do not overwrite", () => {
    const splitter = makeFrameSplitter(2)
    const [first] = splitter.push(Uint8Array.from([1, 2]))
    splitter.push(Uint8Array.from([3, 4]))
    expect([...first!]).toEqual([1, 2])
  })
})
