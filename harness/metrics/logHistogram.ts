/**
 * A mergeable histogram of non-negative values (durations in ms) with logarithmic buckets,
 * for percentiles of figures spread over many machines (load --shard, then merge). Pure.
 *
 * Bucket k holds the values in (γ^(k-1), γ^k] with γ = (1 + α) / (1 - α); a value is given back
 * as 2γ^k / (γ + 1), which is within α of every value of the bucket (the DDSketch mapping: the
 * same idea as HdrHistogram's log-linear buckets, with the bound stated as a relative error).
 * Values below SMALLEST_TRACKED share one low bucket and come back as the smallest value seen,
 * so their error is below SMALLEST_TRACKED, absolute.
 *
 * Stated error (RELATIVE_ERROR = 1 %): a percentile is the nearest-rank sample of the same rank
 * as percentile.ts takes, estimated within 1 % of its value (or 0.001 absolute below 0.001);
 * count, min and max are exact, and so are the extreme ranks (p0 is min, p100 is max).
 *
 * Merging adds the counts of equal buckets: associative and commutative, and the merge of two
 * histograms is the histogram of both sets of values. The type is its own JSON form: plain
 * numbers, buckets as [key, count] pairs sorted by key, only the occupied ones.
 */
import { Schema } from "effect"
import { nearestRank, type PercentileSummary } from "./percentile.js"

export const RELATIVE_ERROR = 0.01
/** Values below this (0.001 ms: a microsecond) share the low bucket. */
export const SMALLEST_TRACKED = 1e-3

const GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR)
const LOG_GAMMA = Math.log(GAMMA)

export interface LogHistogram {
  readonly count: number
  /** Exact; absent when empty. */
  readonly min?: number
  readonly max?: number
  /** Values in [0, SMALLEST_TRACKED). */
  readonly low: number
  /** [bucket key, count], keys ascending, counts > 0. */
  readonly buckets: ReadonlyArray<readonly [number, number]>
}

export const emptyHistogram: LogHistogram = { count: 0, low: 0, buckets: [] }

/** The bucket a tracked value (>= SMALLEST_TRACKED) falls in. */
export const bucketKey = (value: number): number => Math.ceil(Math.log(value) / LOG_GAMMA)

/** What a bucket's values are given back as. */
export const bucketValue = (key: number): number => (2 * GAMMA ** key) / (GAMMA + 1)

const isRecordable = (value: number): boolean => Number.isFinite(value) && value >= 0

/** The histogram of `values`; non-finite and negative values are left out (durations have none). */
export const histogramOf = (values: Iterable<number>): LogHistogram => {
  const counts = new Map<number, number>()
  let count = 0
  let low = 0
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  for (const value of values) {
    if (!isRecordable(value)) continue
    count += 1
    if (value < min) min = value
    if (value > max) max = value
    if (value < SMALLEST_TRACKED) low += 1
    else {
      const key = bucketKey(value)
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
  }
  if (count === 0) return emptyHistogram
  return { count, min, max, low, buckets: [...counts.entries()].sort((a, b) => a[0] - b[0]) }
}

const smaller = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined ? b : b === undefined ? a : Math.min(a, b))
const larger = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined ? b : b === undefined ? a : Math.max(a, b))

/** Both histograms in one: the counts of equal buckets added (a merge of two sorted lists). */
export const mergeHistograms = (a: LogHistogram, b: LogHistogram): LogHistogram => {
  if (a.count === 0) return b
  if (b.count === 0) return a
  const buckets: Array<readonly [number, number]> = []
  let i = 0
  let j = 0
  while (i < a.buckets.length || j < b.buckets.length) {
    const x = a.buckets[i]
    const y = b.buckets[j]
    if (y === undefined || (x !== undefined && x[0] < y[0])) {
      if (x !== undefined) buckets.push(x)
      i += 1
    } else if (x === undefined || y[0] < x[0]) {
      buckets.push(y)
      j += 1
    } else {
      buckets.push([x[0], x[1] + y[1]])
      i += 1
      j += 1
    }
  }
  const min = smaller(a.min, b.min)
  const max = larger(a.max, b.max)
  return { count: a.count + b.count, ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }), low: a.low + b.low, buckets }
}

export const mergeAllHistograms = (histograms: Iterable<LogHistogram>): LogHistogram => {
  let merged = emptyHistogram
  for (const h of histograms) merged = mergeHistograms(merged, h)
  return merged
}

const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value))

/**
 * The estimated nearest-rank p-th percentile (percentile.ts's rank), within RELATIVE_ERROR of
 * the exact one; undefined when empty.
 */
export const histogramPercentile = (h: LogHistogram, p: number): number | undefined => {
  const { min, max } = h
  const rank = nearestRank(h.count, p)
  if (rank === undefined || min === undefined || max === undefined) return undefined
  // The extreme ranks are the extremes, which are kept exactly.
  if (rank === h.count) return max
  if (rank === 1) return min
  if (rank <= h.low) return min
  let seen = h.low
  for (const [key, n] of h.buckets) {
    seen += n
    // Clamped: the sample lies in [min, max], so clamping can only bring the estimate closer.
    if (seen >= rank) return clamp(bucketValue(key), min, max)
  }
  return max
}

/** p50/p95/p99/max as percentile.ts's summarize gives them, from the histogram. */
export const histogramSummary = (h: LogHistogram): PercentileSummary | undefined => {
  const at = (p: number): number => histogramPercentile(h, p) ?? Number.NaN
  return h.count === 0 || h.max === undefined ? undefined : { count: h.count, p50: at(50), p95: at(95), p99: at(99), max: h.max }
}

/** Every occupied bucket as [the value it gives back, count], ascending: the low bucket as min. */
export const weightedValues = (h: LogHistogram): ReadonlyArray<readonly [number, number]> => {
  const { min, max } = h
  if (min === undefined || max === undefined) return []
  const out: Array<readonly [number, number]> = h.low > 0 ? [[min, h.low]] : []
  for (const [key, n] of h.buckets) out.push([clamp(bucketValue(key), min, max), n])
  return out
}

const Count = Schema.Number.pipe(Schema.filter((n) => (Number.isSafeInteger(n) && n >= 0) || `expected a count, a whole number >= 0, got ${n}`))
const PositiveCount = Schema.Number.pipe(Schema.filter((n) => (Number.isSafeInteger(n) && n > 0) || `expected a bucket count, a whole number > 0, got ${n}`))
const Key = Schema.Number.pipe(Schema.filter((n) => Number.isSafeInteger(n) || `expected a bucket key, a whole number, got ${n}`))
const Value = Schema.Number.pipe(Schema.filter((n) => (Number.isFinite(n) && n >= 0) || `expected a value >= 0, got ${n}`))

/** The histogram's JSON form, with its sums checked: the counts add up and min <= max. */
export const LogHistogramSchema: Schema.Schema<LogHistogram> = Schema.Struct({
  count: Count,
  min: Schema.optionalWith(Value, { exact: true }),
  max: Schema.optionalWith(Value, { exact: true }),
  low: Count,
  buckets: Schema.Array(Schema.Tuple(Key, PositiveCount))
}).pipe(
  Schema.filter((h) => {
    const issues: Array<{ readonly path: ReadonlyArray<PropertyKey>; readonly message: string }> = []
    const inBuckets = h.buckets.reduce((sum, [, n]) => sum + n, 0)
    if (h.low + inBuckets !== h.count) issues.push({ path: ["count"], message: `count ${h.count} is not low + the bucket counts (${h.low + inBuckets})` })
    h.buckets.forEach(([key], i) => {
      const previous = h.buckets[i - 1]
      if (previous !== undefined && previous[0] >= key) issues.push({ path: ["buckets", i], message: `bucket keys must ascend, ${key} comes after ${previous[0]}` })
    })
    if (h.count > 0 && (h.min === undefined || h.max === undefined)) issues.push({ path: ["min"], message: "a histogram with values has min and max" })
    if (h.min !== undefined && h.max !== undefined && h.min > h.max) issues.push({ path: ["min"], message: `min ${h.min} is above max ${h.max}` })
    return issues
  })
)
