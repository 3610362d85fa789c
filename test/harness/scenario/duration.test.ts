import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import fc from "fast-check"
import { DurationFromString, formatDuration, parseDuration } from "../../../harness/scenario/duration.js"

// Canonical text <-> milliseconds: drives both parse and format.
const canonical: ReadonlyArray<readonly [string, number]> = [
  ["0s", 0],
  ["1ms", 1],
  ["250ms", 250],
  ["999ms", 999],
  ["1s", 1000],
  ["1.5s", 1500],
  ["1.001s", 1001],
  ["2s", 2000],
  ["59.999s", 59_999],
  ["1m", 60_000],
  ["1m30s", 90_000],
  ["1m0.5s", 60_500],
  ["10m5.25s", 605_250],
  ["1h", 3_600_000],
  ["1h1m1s", 3_661_000],
  ["2h0.001s", 7_200_001]
]

// Accepted spellings that format differently.
const nonCanonical: ReadonlyArray<readonly [string, number, string]> = [
  ["1500ms", 1500, "1.5s"],
  ["0ms", 0, "0s"],
  ["90s", 90_000, "1m30s"],
  ["1.5m", 90_000, "1m30s"],
  ["0.5h", 1_800_000, "30m"],
  ["1s500ms", 1500, "1.5s"],
  ["02s", 2000, "2s"],
  ["1.50s", 1500, "1.5s"]
]

const invalid: ReadonlyArray<readonly [string, string, RegExp]> = [
  ["", "Empty", /empty/],
  ["2 secs", "Syntax", /"2 secs" is not a duration.*character 2/],
  ["2", "Syntax", /expected a unit \(ms, s, m or h\) at character 2/],
  ["s", "Syntax", /expected a number at character 1/],
  ["1m30", "Syntax", /expected a unit .* at character 5/],
  ["-1s", "Syntax", /not a duration/],
  ["1.s", "Syntax", /not a duration/],
  [".5s", "Syntax", /not a duration/],
  ["1S", "Syntax", /not a duration/],
  [" 1s", "Syntax", /not a duration/],
  ["1s ", "Syntax", /expected a number at character 3/],
  ["1d", "Syntax", /expected a unit \(ms, s, m or h\) at character 2/],
  ["30s1m", "UnitOrder", /largest to smallest/],
  ["1s1s", "UnitOrder", /largest to smallest/],
  ["1.0005s", "NotWholeMilliseconds", /whole number of milliseconds/],
  ["0.5ms", "NotWholeMilliseconds", /whole number of milliseconds/],
  ["99999999999999h", "TooLarge", /too long/],
  ["1".repeat(80) + "s", "Syntax", /too long/]
]

describe("parseDuration / formatDuration", () => {
  it.each(canonical)("%s <-> %d ms", (text, ms) => {
    expect(parseDuration(text)).toStrictEqual(Either.right(ms))
    expect(formatDuration(ms)).toBe(text)
  })

  it.each(nonCanonical)("%s parses to %d ms and formats as %s", (text, ms, formatted) => {
    expect(parseDuration(text)).toStrictEqual(Either.right(ms))
    expect(formatDuration(ms)).toBe(formatted)
  })

  it.each(invalid)("%j is refused (%s)", (text, reason, message) => {
    const result = parseDuration(text)
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) {
      expect(result.left._tag).toBe("DurationError")
      expect(result.left.reason).toBe(reason)
      expect(result.left.message).toMatch(message)
    }
  })

  it("formatDuration refuses what is not whole non-negative milliseconds", () => {
    expect(() => formatDuration(-1)).toThrow(RangeError)
    expect(() => formatDuration(1.5)).toThrow(RangeError)
  })

  it("parse(format(ms)) is the identity", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toStrictEqual(Either.right(ms))
      }),
      { numRuns: 300 }
    )
  })

  it("never throws on arbitrary strings", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9.hms ]{0,12}$/)), (text) => {
        const result = parseDuration(text)
        if (Either.isRight(result)) expect(Number.isSafeInteger(result.right) && result.right >= 0).toBe(true)
      }),
      { numRuns: 300 }
    )
  })
})

describe("DurationFromString", () => {
  it("decodes to milliseconds and encodes canonical text", () => {
    expect(Schema.decodeUnknownSync(DurationFromString)("1m30s")).toBe(90_000)
    expect(Schema.encodeSync(DurationFromString)(1500)).toBe("1.5s")
  })

  it("fails decoding with the duration error's message", () => {
    const result = Schema.decodeUnknownEither(DurationFromString)("2 secs")
    expect(Either.isLeft(result)).toBe(true)
    if (Either.isLeft(result)) expect(result.left.message).toContain(`"2 secs" is not a duration`)
  })

  it("refuses a non-string", () => {
    expect(Either.isLeft(Schema.decodeUnknownEither(DurationFromString)(2000))).toBe(true)
  })
})
