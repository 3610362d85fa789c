/** NTP timestamp helpers used by RTCP: Unix millis to NTP and back, middle 32 bits, short format. */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { ntpFromUnixMillis, ntpMiddle32, ntpShortFromMillis, unixMillisFromNtp } from "../../src/protocol/rtcp.js"

describe("NTP helpers", () => {
  it.each([
    { ms: 0, msw: 2208988800, lsw: 0 },
    { ms: 1500, msw: 2208988801, lsw: 0x80000000 },
    { ms: 1_700_000_000_250, msw: 3908988800, lsw: 0x40000000 },
    // 2036-02-07T06:28:16Z: NTP era 1 starts, seconds wrap to 0
    { ms: 2_085_978_496_000, msw: 0, lsw: 0 },
    { ms: -1, msw: 2208988799, lsw: 4290672328 }
  ])("ntpFromUnixMillis($ms)", ({ ms, msw, lsw }) => {
    expect(ntpFromUnixMillis(ms)).toStrictEqual({ msw, lsw })
  })

  it("ntpMiddle32 takes the low 16 bits of seconds and the high 16 of the fraction", () => {
    expect(ntpMiddle32({ msw: 0xe83b2a10, lsw: 0x80000000 })).toBe(0x2a108000)
    expect(ntpMiddle32({ msw: 0xffffffff, lsw: 0xffffffff })).toBe(0xffffffff)
    expect(ntpMiddle32(ntpFromUnixMillis(1_700_000_000_250))).toBe(((3908988800 & 0xffff) << 16 | 0x4000) >>> 0)
  })

  it("ntpShortFromMillis counts 1/65536 s", () => {
    expect(ntpShortFromMillis(1500)).toBe(0x18000)
    expect(ntpShortFromMillis(0)).toBe(0)
    expect(ntpShortFromMillis(-5)).toBe(0)
    expect(ntpShortFromMillis(1e12)).toBe(0xffffffff)
  })

  it("unixMillisFromNtp inverts ntpFromUnixMillis within NTP's resolution", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 2_085_978_495_999, noNaN: true }), (ms) => {
        expect(Math.abs(unixMillisFromNtp(ntpFromUnixMillis(ms)) - ms)).toBeLessThan(0.001)
      }),
      { numRuns: 300 }
    )
  })
})
