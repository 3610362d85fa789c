/**
 * Percentiles by the nearest-rank method: the p-th percentile of n sorted
 * values is the value at 1-based rank ceil(p/100 * n), clamped to 1..n.
 * It always returns one of the observed values (no interpolation), so a
 * reported p99 is a latency that really happened.
 */

/** A sorted copy of `values` (ascending); the input is left alone. */
export const sortedAscending = (values: ReadonlyArray<number>): Float64Array =>
  Float64Array.from(values).sort()

/** The 1-based rank of the p-th percentile among n values; `undefined` when there are none. */
export const nearestRank = (n: number, p: number): number | undefined =>
  n === 0 || Number.isNaN(p) ? undefined : Math.min(n, Math.max(1, Math.ceil((p / 100) * n)))

/** Nearest-rank percentile of already-sorted values; `undefined` when there are none. */
export const percentileOfSorted = (sorted: ArrayLike<number>, p: number): number | undefined => {
  const rank = nearestRank(sorted.length, p)
  return rank === undefined ? undefined : sorted[rank - 1]
}

/** Nearest-rank percentile of unsorted values (sorts a copy); `undefined` when there are none. */
export const percentile = (values: ReadonlyArray<number>, p: number): number | undefined =>
  percentileOfSorted(sortedAscending(values), p)

/** The distribution summary used in reports. */
export interface PercentileSummary {
  readonly count: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
}

/** p50/p95/p99/max of `values` (nearest rank); `undefined` when there are none. */
export const summarize = (values: ReadonlyArray<number>): PercentileSummary | undefined => {
  const sorted = sortedAscending(values)
  const n = sorted.length
  if (n === 0) return undefined
  const at = (p: number): number => percentileOfSorted(sorted, p) ?? Number.NaN
  return { count: n, p50: at(50), p95: at(95), p99: at(99), max: sorted[n - 1] ?? Number.NaN }
}
