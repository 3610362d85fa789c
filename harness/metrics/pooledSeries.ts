/**
 * Samples over time (frame intervals, jitter) pooled from many sessions into one mergeable
 * histogram per second: what a report's pooled time chart (a min–max band and p50/p99 lines per
 * bucket) needs from each shard of a run, however long the run. Pure.
 */
import type { TimeBucket } from "../report/chartData.js"
import { Schema } from "effect"
import { type LogHistogram, histogramOf, histogramPercentile, LogHistogramSchema, mergeHistograms } from "./logHistogram.js"

export interface TimedSample {
  /** ms since the run's start. */
  readonly t: number
  readonly v: number
}

export interface PooledSeries {
  /** Sessions that had at least one sample. */
  readonly sessions: number
  /** The latest sample's time, at least 0 (what the chart's bucket width is chosen from). */
  readonly lastMs: number
  /** [whole seconds since the start, that second's samples], ascending. */
  readonly seconds: ReadonlyArray<readonly [number, LogHistogram]>
}

/** A bucket of the chart: the shape chartData's timeBuckets makes from raw samples. */
export type PooledBucket = TimeBucket

export const emptyPooledSeries: PooledSeries = { sessions: 0, lastMs: 0, seconds: [] }

export const pooledSeriesOf = (perSession: ReadonlyArray<ReadonlyArray<TimedSample>>): PooledSeries => {
  const bySecond = new Map<number, Array<number>>()
  let sessions = 0
  let lastMs = 0
  for (const samples of perSession) {
    if (samples.length > 0) sessions += 1
    for (const s of samples) {
      if (s.t > lastMs) lastMs = s.t
      if (!Number.isFinite(s.t) || !Number.isFinite(s.v)) continue
      const second = Math.floor(s.t / 1000)
      const values = bySecond.get(second)
      if (values === undefined) bySecond.set(second, [s.v])
      else values.push(s.v)
    }
  }
  const seconds = [...bySecond.entries()].sort((a, b) => a[0] - b[0]).map(([second, values]) => [second, histogramOf(values)] as const)
  return { sessions, lastMs, seconds }
}

/** Keyed histograms (keys ascending) merged key by key. */
const mergeKeyed = (
  a: ReadonlyArray<readonly [number, LogHistogram]>,
  b: ReadonlyArray<readonly [number, LogHistogram]>
): ReadonlyArray<readonly [number, LogHistogram]> => {
  const merged = new Map<number, LogHistogram>(a)
  for (const [key, h] of b) {
    const there = merged.get(key)
    merged.set(key, there === undefined ? h : mergeHistograms(there, h))
  }
  return [...merged.entries()].sort((x, y) => x[0] - y[0])
}

export const mergePooledSeries = (a: PooledSeries, b: PooledSeries): PooledSeries => ({
  sessions: a.sessions + b.sessions,
  lastMs: Math.max(a.lastMs, b.lastMs),
  seconds: mergeKeyed(a.seconds, b.seconds)
})

/**
 * The series in buckets of `widthMs` (whole seconds, as the report chooses them), empty ones
 * left out: count, min and max exact; p50 and p99 within the histogram's RELATIVE_ERROR.
 */
export const pooledBuckets = (series: PooledSeries, widthMs: number): ReadonlyArray<PooledBucket> => {
  const secondsPerBucket = Math.max(1, Math.round(widthMs / 1000))
  // Seconds ascend, so a bucket's seconds come one after another.
  const grouped: Array<readonly [number, LogHistogram]> = []
  for (const [second, h] of series.seconds) {
    const key = Math.floor(second / secondsPerBucket)
    const last = grouped[grouped.length - 1]
    if (last !== undefined && last[0] === key) grouped[grouped.length - 1] = [key, mergeHistograms(last[1], h)]
    else grouped.push([key, h])
  }
  return grouped.flatMap(([key, h]) =>
    h.min === undefined || h.max === undefined
      ? []
      : [{ t: key * secondsPerBucket * 1000, count: h.count, min: h.min, p50: histogramPercentile(h, 50) ?? h.min, p99: histogramPercentile(h, 99) ?? h.max, max: h.max }]
  )
}

const Count = Schema.Number.pipe(Schema.filter((n) => (Number.isSafeInteger(n) && n >= 0) || `expected a count, a whole number >= 0, got ${n}`))
const Second = Schema.Number.pipe(Schema.filter((n) => Number.isSafeInteger(n) || `expected a whole number of seconds, got ${n}`))
const Millis = Schema.Number.pipe(Schema.filter((n) => (Number.isFinite(n) && n >= 0) || `expected a time in ms >= 0, got ${n}`))

export const PooledSeriesSchema: Schema.Schema<PooledSeries> = Schema.Struct({
  sessions: Count,
  lastMs: Millis,
  seconds: Schema.Array(Schema.Tuple(Second, LogHistogramSchema))
}).pipe(
  Schema.filter((s) =>
    s.seconds.flatMap(([second], i) => {
      const previous = s.seconds[i - 1]
      return previous !== undefined && previous[0] >= second ? [{ path: ["seconds", i], message: `seconds must ascend, ${second} comes after ${previous[0]}` }] : []
    })
  )
)

/** A run's chart figures when its sessions' own timelines are not at hand (a run merged from shards). */
export interface PooledCharts {
  readonly intervalsMs: PooledSeries
  readonly jitterMs: PooledSeries
  /** Every inter-frame interval of the run. */
  readonly intervalHistogram: LogHistogram
}
