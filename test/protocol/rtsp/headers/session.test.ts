import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import type { RtspHeaderErrorReason } from "../../../../src/protocol/rtsp/headers/error.js"
import { formatSession, parseSession, type SessionHeader } from "../../../../src/protocol/rtsp/headers/session.js"

const cases: ReadonlyArray<readonly [string, SessionHeader]> = [
  // The classic lab client and reply: bare decimal, no timeout.
  ["724553", { id: "724553" }],
  ["12345678;timeout=60", { id: "12345678", timeout: 60 }],
  // gortsplib-style hex id; live555 style upper-case hex.
  ["a1b2c3d4e5f6;timeout=60", { id: "a1b2c3d4e5f6", timeout: 60 }],
  ["7F3A9C21", { id: "7F3A9C21" }],
  // ibaRTSPServer's dotted id.
  ["121.254.102.120+7789+937239728", { id: "121.254.102.120+7789+937239728" }],
  // Every "safe" character.
  ["Ab9$-_.+", { id: "Ab9$-_.+" }],
  ["x;timeout=0", { id: "x", timeout: 0 }]
]

const nonCanonical: ReadonlyArray<readonly [string, string]> = [
  [" 724553 ", "724553"],
  ["12345678; timeout=60", "12345678;timeout=60"],
  ["12345678 ; timeout = 60", "12345678;timeout=60"],
  ["12345678;Timeout=60", "12345678;timeout=60"],
  // Unknown parameters are ignored.
  ["12345678;foo=bar;timeout=30", "12345678;timeout=30"],
  ["12345678;", "12345678"]
]

const errors: ReadonlyArray<readonly [string, RtspHeaderErrorReason]> = [
  ["", "Empty"],
  ["  ", "Empty"],
  [";timeout=60", "Malformed"],
  ["abc def", "Malformed"],
  ["abc,def", "Malformed"],
  ["abc\"", "Malformed"],
  ["1234;timeout=", "InvalidNumber"],
  ["1234;timeout", "InvalidNumber"],
  ["1234;timeout=-5", "InvalidNumber"],
  ["1234;timeout=1.5", "InvalidNumber"],
  ["1234;timeout=99999999999", "OutOfRange"]
]

describe("Session header", () => {
  it.each(cases)("parses and formats %j", (text, value) => {
    expect(parseSession(text)).toStrictEqual(Either.right(value))
    expect(formatSession(value)).toBe(text)
  })

  it.each(nonCanonical)("normalises %j to %j", (input, canonical) => {
    expect(Either.map(parseSession(input), formatSession)).toStrictEqual(Either.right(canonical))
  })

  it.each(errors)("rejects %j with %s", (input, reason) => {
    const result = parseSession(input)
    expect(Either.isLeft(result) && result.left.reason).toBe(reason)
  })

  it("never throws on arbitrary strings", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }), (s) => {
      parseSession(s)
    }), { numRuns: 300 })
  })

  it("format then parse is the identity", () => {
    const id = fc.stringMatching(/^[A-Za-z0-9$\-_.+]{1,40}$/)
    const session = fc.record(
      { id, timeout: fc.integer({ min: 0, max: 0x7fffffff }) },
      { requiredKeys: ["id"] }
    )
    fc.assert(fc.property(session, (s) => {
      expect(parseSession(formatSession(s))).toStrictEqual(Either.right(s))
    }), { numRuns: 300 })
  })
})
