/** GET_PARAMETER impairment-stats: the record as text/parameters, and read back as it was. */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import fc from "fast-check"
import { formatImpairmentStats, NO_IMPAIRMENT, parseImpairmentStats } from "../../src/impair/impairmentStats.js"
import { makePacketPlan } from "../../src/impair/packetPlan.js"

describe("impairment-stats", () => {
  it("reads back every count of any record, delays to the thousandth of a millisecond", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 3000 }), (seed, count) => {
      const plan = makePacketPlan({ seed, loss: 0.05, burst: { share: 0.02, meanLength: 3 }, duplicate: 0.02, reorder: { share: 0.02, depth: 2 }, delay: { meanMs: 40, jitterMs: 9 }, frameDrop: 0.01 })
      for (let i = 0; i < count; i++) plan.decide({ index: i, frameIndex: Math.floor(i / 7), bytes: 1400, atMs: i })
      const text = formatImpairmentStats({ profile: "bursty", seed, record: plan.record })
      const back = Either.getOrThrow(parseImpairmentStats(text))
      expect([back.profile, back.seed]).toEqual(["bursty", seed])
      const { delay, ...counts } = plan.record
      const { delay: backDelay, ...backCounts } = back.record
      expect(backCounts).toEqual(counts)
      expect(backDelay.count).toBe(delay.count)
      if (delay.count > 0) {
        expect(Math.abs(backDelay.sumMs / backDelay.count - delay.sumMs / delay.count)).toBeLessThan(0.001)
        expect(Math.abs(backDelay.maxMs - delay.maxMs)).toBeLessThan(0.001)
      }
    }), { numRuns: 50 })
  })

  it("is one `name: value` line each, CRLF-ended", () => {
    const text = formatImpairmentStats({ profile: "inline", seed: 7, record: makePacketPlan({ seed: 7 }).record })
    expect(text.split("\r\n").filter((l) => l !== "").every((l) => /^[a-z-]+: \S+$/.test(l))).toBe(true)
    expect(text).toContain("profile: inline\r\nseed: 7\r\npackets: 0\r\ndropped-frame: 0\r\n")
  })

  it("reads a session left alone, and refuses a record with a count missing or not a number", () => {
    expect(Either.getOrThrow(parseImpairmentStats(`profile: ${NO_IMPAIRMENT}\r\n`)).profile).toBe("none")
    const good = formatImpairmentStats({ profile: "x", seed: 1, record: makePacketPlan({ seed: 1 }).record })
    expect(parseImpairmentStats(good.replace("duplicated: 0", "duplicated: many"))).toEqual(Either.left('impairment-stats: duplicated is "many"'))
    expect(parseImpairmentStats(good.replace(/reordered: 0\r\n/, ""))).toEqual(Either.left("impairment-stats: reordered is missing"))
    expect(parseImpairmentStats("packets: 3\r\n")._tag).toBe("Left")
  })
})
