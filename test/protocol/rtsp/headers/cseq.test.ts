import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { CSEQ_MAX, formatCSeq, parseCSeq } from "../../../../src/protocol/rtsp/headers/cseq.js"
import type { RtspHeaderErrorReason } from "../../../../src/protocol/rtsp/headers/error.js"

const cases: ReadonlyArray<readonly [string, number]> = [
  ["0", 0],
  ["1", 1],
  ["42", 42],
  ["2147483647", 2147483647],
  ["4294967295", CSEQ_MAX]
]

const nonCanonical: ReadonlyArray<readonly [string, string]> = [
  [" 7 ", "7"],
  ["\t3", "3"],
  ["007", "7"]
]

const errors: ReadonlyArray<readonly [string, RtspHeaderErrorReason]> = [
  ["", "Empty"],
  ["   ", "Empty"],
  ["-1", "InvalidNumber"],
  ["+1", "InvalidNumber"],
  ["1.0", "InvalidNumber"],
  ["0x10", "InvalidNumber"],
  ["1 2", "InvalidNumber"],
  ["abc", "InvalidNumber"],
  ["4294967296", "OutOfRange"],
  ["99999999999999999999999", "OutOfRange"]
]

describe("CSeq", () => {
  it.each(cases)("parses and formats %j", (text, value) => {
    expect(parseCSeq(text)).toStrictEqual(Either.right(value))
    expect(formatCSeq(value)).toBe(text)
  })

  it.each(nonCanonical)("normalises %j to %j", (input, canonical) => {
    expect(Either.map(parseCSeq(input), formatCSeq)).toStrictEqual(Either.right(canonical))
  })

  it.each(errors)("rejects %j with %s", (input, reason) => {
    const result = parseCSeq(input)
    expect(Either.isLeft(result) && result.left.reason).toBe(reason)
    expect(Either.isLeft(result) && result.left.header).toBe("CSeq")
  })

  it("never throws on arbitrary strings", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (s) => {
      parseCSeq(s)
    }), { numRuns: 300 })
  })

  it("format then parse is the identity", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: CSEQ_MAX }), (n) => {
      expect(parseCSeq(formatCSeq(n))).toStrictEqual(Either.right(n))
    }), { numRuns: 300 })
  })
})
