import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { percentile, percentileOfSorted, sortedAscending, summarize } from "../../../harness/metrics/percentile.js"

// Nearest rank: rank = ceil(p/100 * n), 1-based, clamped to 1..n.
const cases: ReadonlyArray<{ readonly values: ReadonlyArray<number>; readonly p: number; readonly expected: number }> = [
  { values: [15, 20, 35, 40, 50], p: 5, expected: 15 },
  { values: [15, 20, 35, 40, 50], p: 30, expected: 20 },
  { values: [15, 20, 35, 40, 50], p: 40, expected: 20 },
  { values: [15, 20, 35, 40, 50], p: 50, expected: 35 },
  { values: [50, 40, 35, 20, 15], p: 100, expected: 50 },
  { values: [3, 1, 2], p: 0, expected: 1 },
  { values: [7], p: 99, expected: 7 },
  { values: [-5, 10, 2.5], p: 50, expected: 2.5 }
]

describe("percentile (nearest rank)", () => {
  it.each(cases)("p$p of $values is $expected", ({ values, p, expected }) => {
    expect(percentile(values, p)).toBe(expected)
  })

  it("is undefined for no values", () => {
    expect(percentile([], 50)).toBeUndefined()
    expect(summarize([])).toBeUndefined()
  })

  it("summarizes 1..100 as p50=50 p95=95 p99=99 max=100", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i)
    expect(summarize(values)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 })
  })

  it("sorts numerically, not as strings, and leaves the input alone", () => {
    const values = [10, 9, 100, 1]
    expect(Array.from(sortedAscending(values))).toEqual([1, 9, 10, 100])
    expect(values).toEqual([10, 9, 100, 1])
  })

  it("always returns an observed value that has at least p% of values at or below it", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, min: -1e9, max: 1e9 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 0, max: 100 }),
        (values, p) => {
          const sorted = sortedAscending(values)
          const result = percentileOfSorted(sorted, p)
          expect(result).toBeDefined()
          expect(values).toContain(result)
          const atOrBelow = values.filter((v) => v <= (result ?? 0)).length
          expect(atOrBelow / values.length).toBeGreaterThanOrEqual(p / 100)
        }
      ),
      { numRuns: 300 }
    )
  })
})
