/**
 * weightedHistogramBins (a merged run's interval histogram) bins values that come with a count
 * as histogramBins bins the values repeated that many times: one table, then a property.
 */
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { histogramBins, weightedHistogramBins } from "../../../harness/report/chartData.js"

const repeated = (entries: ReadonlyArray<readonly [number, number]>): ReadonlyArray<number> => entries.flatMap(([v, n]) => Array.from({ length: n }, () => v))

const cases: ReadonlyArray<{ readonly entries: ReadonlyArray<readonly [number, number]>; readonly options: { bins?: number; lower?: number; upper?: number } }> = [
  { entries: [[48, 3], [50, 10], [52, 2]], options: { bins: 2, lower: 48 } },
  { entries: [[50, 100], [120, 1]], options: { bins: 5, upper: 100 } },
  { entries: [[5, 4]], options: { bins: 4 } },
  { entries: [], options: {} },
  { entries: [[Number.NaN, 3], [7, 1]], options: { bins: 3 } }
]

describe("weightedHistogramBins", () => {
  it.each(cases)("$entries as the values repeated", ({ entries, options }) => {
    expect(weightedHistogramBins(entries, options)).toEqual(histogramBins(repeated(entries), options))
  })

  it("bins any counted values as histogramBins bins them repeated", () => {
    const entry = fc.tuple(fc.double({ min: 0, max: 500, noNaN: true }), fc.integer({ min: 1, max: 20 }))
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...cases.map((c) => c.entries)), fc.array(entry, { maxLength: 40 })), fc.integer({ min: 1, max: 80 }), fc.option(fc.double({ min: 1, max: 400, noNaN: true }), { nil: undefined }), (entries, bins, upper) => {
        const options = { bins, ...(upper === undefined ? {} : { upper }) }
        expect(weightedHistogramBins(entries, options)).toEqual(histogramBins(repeated(entries), options))
      }),
      { numRuns: 300 }
    )
  })
})
