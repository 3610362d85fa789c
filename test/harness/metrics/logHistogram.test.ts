/**
 * The mergeable histogram: one table of sample sets drives the exact figures, the percentile
 * bound against percentile.ts's exact nearest rank, and seeds the properties (merge is
 * associative and commutative and equals the histogram of all the values; every percentile
 * within RELATIVE_ERROR); the JSON schema round-trips and names what is wrong.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, ParseResult, Schema } from "effect"
import fc from "fast-check"
import {
  bucketKey,
  bucketValue,
  emptyHistogram,
  histogramOf,
  histogramPercentile,
  histogramSummary,
  LogHistogramSchema,
  mergeAllHistograms,
  mergeHistograms,
  RELATIVE_ERROR,
  SMALLEST_TRACKED,
  weightedValues
} from "../../../harness/metrics/logHistogram.js"
import { percentile, summarize } from "../../../harness/metrics/percentile.js"

const cases: ReadonlyArray<{ readonly name: string; readonly values: ReadonlyArray<number> }> = [
  { name: "a 20 fps stream's intervals with one stall", values: [50, 50.2, 49.8, 50.1, 49.9, 51, 48.7, 120] },
  { name: "values below the smallest tracked", values: [0, 0.0002, 0.0009, 5, 7] },
  { name: "one value", values: [42] },
  { name: "six decades", values: [0.001, 0.01, 1, 100, 10_000, 1_000_000] },
  { name: "ties", values: Array.from({ length: 50 }, () => 33.3) },
  { name: "reply times", values: [2.3, 5.5, 7.9, 12.3, 16, 31.5, 59.8, 2877.4, 5005.2] }
]

/** The stated bound: within RELATIVE_ERROR of the exact value, or below SMALLEST_TRACKED absolute under it (plus float rounding). */
const withinBound = (estimate: number | undefined, exact: number | undefined): boolean => {
  if (estimate === undefined || exact === undefined) return estimate === exact
  const allowed = exact < SMALLEST_TRACKED ? SMALLEST_TRACKED : RELATIVE_ERROR * exact * (1 + 1e-9)
  return Math.abs(estimate - exact) <= allowed
}

const PERCENTILES = [0, 1, 5, 25, 50, 75, 90, 95, 99, 99.9, 100]

describe("logHistogram", () => {
  it.each(cases)("$name: count, min and max exact, every percentile within the bound", ({ values }) => {
    const h = histogramOf(values)
    expect(h.count).toBe(values.length)
    expect(h.min).toBe(Math.min(...values))
    expect(h.max).toBe(Math.max(...values))
    expect(histogramPercentile(h, 0)).toBe(h.min)
    expect(histogramPercentile(h, 100)).toBe(h.max)
    for (const p of PERCENTILES) expect(withinBound(histogramPercentile(h, p), percentile(values, p)), `p${p}`).toBe(true)
    const summary = histogramSummary(h)
    const exact = summarize(values)
    expect(summary?.count).toBe(exact?.count)
    expect(summary?.max).toBe(exact?.max)
  })

  it("maps values to buckets of width γ = 1.01/0.99 and gives each back at its middle", () => {
    // Bucket 0 is (1/γ, 1], given back as 0.99; bucket 1 is (1, γ], given back as 1.01.
    expect(bucketKey(1)).toBe(0)
    expect(bucketValue(0)).toBeCloseTo(0.99, 12)
    expect(bucketKey(1.02)).toBe(1)
    expect(bucketValue(1)).toBeCloseTo(1.01, 12)
    expect(bucketKey(50)).toBe(196)
    expect(bucketKey(0.5)).toBe(-34)
    const h = histogramOf([1, 1, 1.02, 50, 50.5])
    expect(h.buckets).toEqual([[0, 2], [1, 1], [196, 1], [197, 1]])
  })

  it("leaves out what is not a duration: negative, NaN, infinite", () => {
    expect(histogramOf([-1, Number.NaN, Number.POSITIVE_INFINITY])).toEqual(emptyHistogram)
    expect(histogramOf([3, -1, Number.NaN]).count).toBe(1)
    expect(histogramPercentile(emptyHistogram, 50)).toBeUndefined()
    expect(histogramSummary(emptyHistogram)).toBeUndefined()
  })

  it("gives every occupied bucket back once, with its count, for the report's bins", () => {
    const h = histogramOf([0, 0.0005, 10, 10.05, 200])
    const weighted = weightedValues(h)
    expect(weighted.reduce((n, [, count]) => n + count, 0)).toBe(5)
    expect(weighted[0]).toEqual([0, 2])
    expect(weighted.every(([value]) => value >= 0 && value <= 200)).toBe(true)
  })

  // Seeded from the table, then arbitrary: durations from 0 to 10^6 ms, subnormals included.
  const samples = fc.oneof(
    fc.constantFrom(...cases.map((c) => c.values)),
    fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { maxLength: 300 }),
    fc.array(fc.double({ min: 40, max: 70, noNaN: true }), { minLength: 1, maxLength: 300 })
  )

  it("merge is associative and commutative, and equals the histogram of all the values", () => {
    fc.assert(
      fc.property(samples, samples, samples, (a, b, c) => {
        const [ha, hb, hc] = [histogramOf(a), histogramOf(b), histogramOf(c)]
        expect(mergeHistograms(ha, mergeHistograms(hb, hc))).toEqual(mergeHistograms(mergeHistograms(ha, hb), hc))
        expect(mergeHistograms(ha, hb)).toEqual(mergeHistograms(hb, ha))
        expect(mergeAllHistograms([ha, hb, hc])).toEqual(histogramOf([...a, ...b, ...c]))
        expect(mergeHistograms(ha, emptyHistogram)).toEqual(ha)
      }),
      { numRuns: 300 }
    )
  })

  it("every percentile of a merge is within the bound of the exact percentile of the raw samples", () => {
    fc.assert(
      fc.property(fc.array(samples, { minLength: 1, maxLength: 6 }), fc.double({ min: 0, max: 100, noNaN: true }), (parts, p) => {
        const all = parts.flat()
        const merged = mergeAllHistograms(parts.map(histogramOf))
        expect(withinBound(histogramPercentile(merged, p), percentile(all, p))).toBe(true)
      }),
      { numRuns: 500 }
    )
  })

  it("round-trips through its JSON form, and the schema names what is wrong", () => {
    const decode = Schema.decodeUnknownEither(LogHistogramSchema)
    for (const { values } of cases) {
      const h = histogramOf(values)
      expect(decode(JSON.parse(JSON.stringify(h)))).toEqual(Either.right(h))
    }
    const problems = (value: unknown): ReadonlyArray<string> =>
      Either.match(decode(value), {
        onLeft: (e) => ParseResult.ArrayFormatter.formatErrorSync(e).map((i) => `${i.path.join(".")}: ${i.message}`),
        onRight: () => []
      })
    expect(problems({ count: 3, min: 1, max: 2, low: 0, buckets: [[0, 1], [5, 1]] })).toEqual(["count: count 3 is not low + the bucket counts (2)"])
    expect(problems({ count: 2, min: 1, max: 2, low: 0, buckets: [[5, 1], [0, 1]] })).toEqual(["buckets.1: bucket keys must ascend, 0 comes after 5"])
    expect(problems({ count: 1, min: 1, max: 2, low: 0, buckets: [[0.5, 1]] })).toEqual(["buckets.0.0: expected a bucket key, a whole number, got 0.5"])
  })
})
