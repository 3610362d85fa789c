/**
 * The numbers behind the report's charts, with no markup: series and bins (downsampling,
 * time buckets, histograms), domains, linear scales and round ticks. svgCharts.ts draws them.
 */

export interface XY {
  readonly x: number
  readonly y: number
}

export interface LineSeries {
  readonly label: string
  readonly points: ReadonlyArray<XY>
  readonly color?: string
}

export interface BandSeries {
  readonly label: string
  readonly points: ReadonlyArray<{ readonly x: number; readonly low: number; readonly high: number }>
  readonly color?: string
}

export interface HistogramBin {
  readonly from: number
  readonly to: number
  readonly count: number
  /** The last bin collects every value at or above `from`. */
  readonly overflow?: boolean
}

/** Up to `target`+1 round tick values covering [min, max] (1, 2, 5 × 10^k steps). */
export const niceTicks = (min: number, max: number, target = 5): ReadonlyArray<number> => {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return []
  if (min === max) return [min]
  const lo = Math.min(min, max)
  const hi = Math.max(min, max)
  const raw = (hi - lo) / Math.max(1, target)
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const step = ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude
  const ticks: Array<number> = []
  const first = Math.ceil(lo / step - 1e-9)
  for (let k = first; k * step <= hi + step * 1e-9 && ticks.length < 50; k++) ticks.push(Number((k * step).toPrecision(12)) + 0) // + 0 turns -0 into 0
  return ticks
}

/** A tick label: as many decimals as the step needs, thousands grouped. */
export const formatTick = (value: number, step: number): string => {
  const decimals = step > 0 && step < 1 ? Math.min(6, Math.ceil(-Math.log10(step) - 1e-9)) : 0
  const rounded = Number(value.toFixed(decimals))
  return rounded.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals })
}

/** The step between the first two ticks (1 when there are fewer). */
export const stepOf = (ticks: ReadonlyArray<number>): number => (ticks.length >= 2 ? (ticks[1] ?? 0) - (ticks[0] ?? 0) : 1)

/** Labels for these ticks, with the decimals their step needs. */
export const tickLabels = (ticks: ReadonlyArray<number>) => (value: number): string => formatTick(value, stepOf(ticks))

/** A domain that can be drawn: min < max, widened around a single value, nice upper end when from zero. */
export const domainOf = (values: ReadonlyArray<number>, fromZero: boolean): readonly [number, number] | undefined => {
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (const v of values) {
    if (!Number.isFinite(v)) continue
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  if (lo > hi) return undefined
  if (fromZero) lo = Math.min(0, lo)
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1
    return fromZero && lo >= 0 ? [0, hi + pad] : [lo - pad, hi + pad]
  }
  return [lo, hi]
}

/** The domain extended outwards to the nearest ticks. */
export const niceDomain = (domain: readonly [number, number]): readonly [number, number] => {
  const ticks = niceTicks(domain[0], domain[1])
  const step = ticks.length >= 2 ? (ticks[1] ?? 0) - (ticks[0] ?? 0) : 0
  if (step <= 0) return domain
  return [Math.floor(domain[0] / step + 1e-9) * step, Math.ceil(domain[1] / step - 1e-9) * step]
}

export const scale = (d: readonly [number, number], r0: number, r1: number) => (v: number): number =>
  d[1] === d[0] ? (r0 + r1) / 2 : r0 + ((v - d[0]) / (d[1] - d[0])) * (r1 - r0)

export interface NiceAxis {
  readonly domain: readonly [number, number]
  /** Value → pixel. */
  readonly at: (value: number) => number
  readonly ticks: ReadonlyArray<number>
}

/** An axis over `values` drawn from pixel `r0` to `r1`, extended to round ticks; undefined when no value is finite. */
export const niceAxis = (values: ReadonlyArray<number>, fromZero: boolean, r0: number, r1: number): NiceAxis | undefined => {
  const raw = domainOf(values, fromZero)
  if (raw === undefined) return undefined
  const domain = niceDomain(raw)
  return { domain, at: scale(domain, r0, r1), ticks: niceTicks(domain[0], domain[1]) }
}

/**
 * At most `maxPoints` points: the series is cut into buckets and each keeps
 * its lowest and highest point (in x order), so spikes survive.
 */
export const downsampleMinMax = (points: ReadonlyArray<XY>, maxPoints: number): ReadonlyArray<XY> => {
  if (points.length <= maxPoints || maxPoints < 2) return points
  const buckets = Math.floor(maxPoints / 2)
  const size = points.length / buckets
  const out: Array<XY> = []
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size)
    const end = Math.min(points.length, Math.floor((b + 1) * size))
    let lo: XY | undefined
    let hi: XY | undefined
    let loAt = 0
    let hiAt = 0
    for (let i = start; i < end; i++) {
      const p = points[i]
      if (p === undefined) continue
      if (lo === undefined || p.y < lo.y) {
        lo = p
        loAt = i
      }
      if (hi === undefined || p.y > hi.y) {
        hi = p
        hiAt = i
      }
    }
    if (lo === undefined || hi === undefined) continue
    if (lo === hi) out.push(lo)
    else if (loAt < hiAt) out.push(lo, hi)
    else out.push(hi, lo)
  }
  return out
}

export interface TimeBucket {
  /** Bucket start, in the samples' time unit. */
  readonly t: number
  readonly count: number
  readonly min: number
  readonly p50: number
  readonly p99: number
  readonly max: number
}

/**
 * Samples grouped into buckets of `width` (e.g. one second) with their
 * min, nearest-rank p50 and p99, and max; empty buckets are left out.
 */
export const timeBuckets = (
  samples: ReadonlyArray<{ readonly t: number; readonly v: number }>,
  width: number
): ReadonlyArray<TimeBucket> => {
  const groups = new Map<number, Array<number>>()
  for (const s of samples) {
    if (!Number.isFinite(s.t) || !Number.isFinite(s.v)) continue
    const key = Math.floor(s.t / width)
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [s.v])
    else group.push(s.v)
  }
  const rank = (sorted: Float64Array, p: number): number =>
    sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1] ?? Number.NaN
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([key, values]) => {
      const sorted = Float64Array.from(values).sort()
      return {
        t: key * width,
        count: sorted.length,
        min: sorted[0] ?? Number.NaN,
        p50: rank(sorted, 50),
        p99: rank(sorted, 99),
        max: sorted[sorted.length - 1] ?? Number.NaN
      }
    })
}

/**
 * `bins` equal bins from `lower` (default 0, or the minimum if it is
 * lower) to `upper` (default: the maximum); values above `upper` go to one
 * overflow bin.
 */
export const histogramBins = (values: ReadonlyArray<number>, options: HistogramBinOptions = {}): ReadonlyArray<HistogramBin> =>
  binsOf((visit) => {
    for (const v of values) visit(v, 1)
  }, options)

/** histogramBins of values that come with a count each, e.g. the buckets of a merged histogram. */
export const weightedHistogramBins = (entries: ReadonlyArray<readonly [value: number, count: number]>, options: HistogramBinOptions = {}): ReadonlyArray<HistogramBin> =>
  binsOf((visit) => {
    for (const [v, n] of entries) visit(v, n)
  }, options)

export interface HistogramBinOptions {
  readonly bins?: number
  readonly lower?: number
  readonly upper?: number
}

const binsOf = (each: (visit: (value: number, count: number) => void) => void, options: HistogramBinOptions): ReadonlyArray<HistogramBin> => {
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  each((v) => {
    if (!Number.isFinite(v)) return
    if (v < min) min = v
    if (v > max) max = v
  })
  if (min > max) return []
  const lo = Math.min(options.lower ?? 0, min)
  const upper = options.upper !== undefined && options.upper > lo && options.upper < max ? options.upper : max
  const count = Math.max(1, Math.floor(options.bins ?? 40))
  const width = upper > lo ? (upper - lo) / count : 1
  const bins = Array.from({ length: count }, (_, i) => ({ from: lo + i * width, to: lo + (i + 1) * width, count: 0 }))
  let overflow = 0
  each((v, n) => {
    if (!Number.isFinite(v)) return
    if (v > upper) overflow += n
    else {
      const bin = bins[Math.min(count - 1, Math.floor((v - lo) / width))]
      if (bin !== undefined) bin.count += n
    }
  })
  return overflow > 0 ? [...bins, { from: upper, to: upper + width, count: overflow, overflow: true }] : bins
}
