import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import {
  formatNptSeconds,
  formatRange,
  parseNptTime,
  parseRange,
  type RangeHeader
} from "../../../../src/protocol/rtsp/headers/range.js"
import { describeCodec } from "../../../support/describeCodec.js"

const seconds = fc.integer({ min: 0, max: 100_000_000 }).map((ms) => ms / 1000)
const time = fc.oneof(seconds, fc.constant("now" as const))
const npt: fc.Arbitrary<RangeHeader> = fc.oneof(
  fc.record({ _tag: fc.constant("Npt" as const), start: time, end: time }, { requiredKeys: ["_tag", "start"] }),
  fc.record({ _tag: fc.constant("Npt" as const), end: time })
)
const other: fc.Arbitrary<RangeHeader> = fc.record({
  _tag: fc.constant("Other" as const),
  unit: fc.constantFrom("smpte", "smpte-30-drop", "clock"),
  value: fc.stringMatching(/^[0-9A-Z:.\-]{1,30}$/).filter((v) => v.trim() === v)
})

describeCodec<RangeHeader>("Range header", {
  corpus: "range",
  decode: parseRange,
  encode: formatRange,
  header: "Range",
  cases: [
    ["npt=0-", { _tag: "Npt", start: 0 }],
    ["npt=10.5-20", { _tag: "Npt", start: 10.5, end: 20 }],
    ["npt=now-", { _tag: "Npt", start: "now" }],
    ["npt=0-12.345", { _tag: "Npt", start: 0, end: 12.345 }],
    ["npt=-20", { _tag: "Npt", end: 20 }],
    ["npt=3600-", { _tag: "Npt", start: 3600 }],
    // Other units pass through as written.
    ["smpte=10:07:00-10:07:33:05.01", { _tag: "Other", unit: "smpte", value: "10:07:00-10:07:33:05.01" }],
    ["smpte-25=0:10:00-", { _tag: "Other", unit: "smpte-25", value: "0:10:00-" }],
    ["clock=19961108T142300Z-19961108T143520Z", { _tag: "Other", unit: "clock", value: "19961108T142300Z-19961108T143520Z" }]
  ],
  nonCanonical: [
    // live555 and ffmpeg write three decimals.
    ["npt=0.000-", "npt=0-"],
    ["npt=0.000-12.345", "npt=0-12.345"],
    ["npt=10.500-20.000", "npt=10.5-20"],
    ["npt=10.-", "npt=10-"],
    ["npt=1.23456-", "npt=1.235-"],
    // h:mm:ss.frac
    ["npt=00:00:10.5-", "npt=10.5-"],
    ["npt=1:02:03-1:02:04.25", "npt=3723-3724.25"],
    // Whitespace, case, parameters.
    [" npt = 0 - 5 ", "npt=0-5"],
    ["NPT=NOW-", "npt=now-"],
    ["npt=0-;time=19970123T153600Z", "npt=0-"],
    ["npt=5-7 ; time=19970123T153600Z", "npt=5-7"]
  ],
  errors: [
    ["", "Empty"],
    [";time=1", "Empty"],
    ["0-10", "Malformed"],
    ["npt=", "Malformed"],
    ["npt=-", "Malformed"],
    ["npt=5", "Malformed"],
    ["npt=1-2-3", "Malformed"],
    ["=0-", "Malformed"],
    ["n p t=0-", "Malformed"],
    ["smpte=", "Malformed"],
    ["npt=abc-", "InvalidNumber"],
    ["npt=0-xyz", "InvalidNumber"],
    ["npt=1e3-", "InvalidNumber"],
    ["npt=.5-", "InvalidNumber"],
    ["npt=0:60:00-", "InvalidNumber"],
    ["npt=0:00:60-", "InvalidNumber"]
  ],
  values: fc.oneof(npt, other),
  strings: [fc.stringMatching(/^npt=[0-9.:now-]{0,20}(;time=.*)?$/)],
})

describe("npt times", () => {
  it("reads npt times in both notations", () => {
    expect(parseNptTime("0")).toBe(0)
    expect(parseNptTime("59.999")).toBe(59.999)
    expect(parseNptTime("1:00:00")).toBe(3600)
    expect(parseNptTime("12:05:35.3")).toBeCloseTo(43535.3, 9)
    expect(parseNptTime("Now")).toBe("now")
    expect(parseNptTime("-1")).toBeUndefined()
    expect(parseNptTime("")).toBeUndefined()
    expect(parseNptTime("9".repeat(400))).toBeUndefined()
  })

  it("formats seconds with at most three decimals", () => {
    expect(formatNptSeconds(0)).toBe("0")
    expect(formatNptSeconds(100)).toBe("100")
    expect(formatNptSeconds(12.3456)).toBe("12.346")
    expect(formatNptSeconds(0.0004)).toBe("0")
    expect(formatNptSeconds(-3)).toBe("0")
    expect(formatNptSeconds(Number.NaN)).toBe("0")
  })
})
