/** Knob values, text and back: plain decimals exact in both directions, one canonical text each. */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import {
  formatBandwidth,
  formatDuration,
  formatShare,
  plainDecimal,
  readBandwidth,
  readDuration,
  readShare
} from "../../src/impair/knobValues.js"

const numRuns = Number(process.env["FC_NUM_RUNS"] ?? 1000)

describe("plainDecimal", () => {
  it.each([
    [0, 0, "0"],
    [1, 0, "1"],
    [0.025, 2, "2.5"],
    [0.07, 2, "7"],
    [1, 2, "100"],
    [1e-7, 2, "0.00001"],
    [1.5e-8, 0, "0.000000015"],
    [1e21, 0, "1000000000000000000000"],
    [123.456, 1, "1234.56"],
    [0.5, 3, "500"]
  ] as const)("%d × 10^%d → %s", (value, shift, text) => {
    expect(plainDecimal(value, shift)).toBe(text)
  })

  it("refuses what has no plain decimal", () => {
    for (const value of [-1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => plainDecimal(value)).toThrow(RangeError)
  })

  it("is exact: its text, shifted back, is the same double", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 6 }), (value, shift) => {
        fc.pre(!Object.is(value, -0))
        expect(Number(`${plainDecimal(value, shift)}e-${shift}`)).toBe(value)
      }),
      { numRuns }
    )
  })
})

describe("knob value round trips", () => {
  it("any share from 0 to 1 reads back from its percentage exactly", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (share) => {
        fc.pre(!Object.is(share, -0))
        expect(readShare(formatShare(share))).toStrictEqual(Either.right(share))
      }),
      { numRuns }
    )
  })

  it("a percentage reads as the double nearest its decimal, not an ulp off (7% is 0.07)", () => {
    expect(readShare("7%")).toStrictEqual(Either.right(0.07))
    expect(readShare("0.1")).toStrictEqual(Either.right(0.001))
    expect(readShare("57")).toStrictEqual(Either.right(0.57))
  })

  it("any whole number of milliseconds reads back from its canonical text", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 86_400_000 }), (ms) => {
        expect(readDuration(formatDuration(ms), 86_400_000)).toStrictEqual(Either.right(ms))
      }),
      { numRuns }
    )
  })

  it("a duration in another unit reads as the same milliseconds", () => {
    expect(readDuration("1.5s", 10_000)).toStrictEqual(Either.right(1500))
    expect(readDuration("0.25m", 60_000)).toStrictEqual(Either.right(15_000))
    expect(readDuration("0.001s", 10)).toStrictEqual(Either.right(1))
    expect(readDuration("0.0001s", 10)).toStrictEqual(Either.left("0.0001s is not a whole number of milliseconds"))
  })

  it("any bandwidth reads back from its canonical text, and the units scale exactly", () => {
    fc.assert(
      fc.property(fc.double({ min: Number.MIN_VALUE, max: 10_000_000, noNaN: true }), (kbps) => {
        expect(readBandwidth(formatBandwidth(kbps), 10_000_000)).toStrictEqual(Either.right(kbps))
      }),
      { numRuns }
    )
    expect(readBandwidth("0.3mbps", 10_000_000)).toStrictEqual(Either.right(300))
    expect(readBandwidth("1.1GBPS", 10_000_000)).toStrictEqual(Either.right(1_100_000))
  })
})
